/**
 * The supervisor's decision as a pure function: given the strategy, the child's restart
 * history and the failure, what happens to the child. The actor cell only carries it out,
 * so every branch here is testable without actors or time.
 */
import type { Actor } from "../actor/actor.js";
import type { ActorRef } from "../actor/actor-ref.js";
import { MaxRestartsExceededError } from "../errors.js";
import type { RestartWindow } from "./restart-window.js";
import type { SupervisorStrategy } from "./strategy.js";

export type SupervisorAction =
  | { readonly kind: "resume" }
  /** `attempt`: this restart's number within the intensity window (1 for the first). */
  | { readonly kind: "restart"; readonly attempt: number }
  | { readonly kind: "stop"; readonly error: Error }
  /** `exceeded`: the restart intensity was exceeded (the supervisor stops all children). */
  | { readonly kind: "escalate"; readonly error: Error; readonly exceeded: boolean };

export function decideFailure(
  strategy: SupervisorStrategy,
  window: RestartWindow,
  now: number,
  error: Error,
  child: ActorRef<Actor>,
): SupervisorAction {
  let directive;
  try {
    directive = strategy.decide(error, child);
  } catch (invalid) {
    // decide() returned something that is not a directive: stop, naming the bad value.
    return { kind: "stop", error: invalid as Error };
  }
  switch (directive) {
    case "resume":
      return { kind: "resume" };
    case "restart": {
      if (window.tryRecord(now, strategy.maxRestarts, strategy.withinMs))
        return { kind: "restart", attempt: window.count };
      const exceeded = new MaxRestartsExceededError(
        child.path,
        strategy.maxRestarts,
        strategy.withinMs,
        error,
      );
      return strategy.whenExceeded === "escalate"
        ? { kind: "escalate", error: exceeded, exceeded: true }
        : { kind: "stop", error: exceeded };
    }
    case "stop":
      return { kind: "stop", error };
    case "escalate":
      return { kind: "escalate", error, exceeded: false };
    default:
      return directive satisfies never;
  }
}
