/**
 * Options of `spawn`, their defaults and their validation. Resolved once per spawn; a spawn
 * without options shares one frozen default object, so spawning stays cheap.
 */
import { RateLimiter, type RateLimiterOptions } from "../concurrency/rate-limiter.js";
import { InvalidNameError } from "../errors.js";
import { OVERFLOW_POLICIES, type OverflowPolicy } from "../mailbox/mailbox.js";
import { SupervisorStrategy } from "../supervision/strategy.js";
import { InvalidOptionError } from "../errors.js";
import {
  checkInteger,
  checkKnownKeys,
  checkNonNegativeDuration,
  checkObject,
  checkOneOf,
} from "../validation.js";

export interface MailboxOptions {
  /**
   * Most messages the mailbox holds; `Infinity` for unbounded.
   * @default Infinity
   */
  readonly capacity?: number;
  /**
   * What happens when a bounded mailbox is full: `reject` (tell throws, ask rejects with
   * MailboxFullError), `drop-newest` / `drop-oldest` (the dropped message goes to dead
   * letters; a dropped ask rejects with MessageDroppedError), or `backpressure` (`send` and
   * `ask` wait for room in FIFO order; `tell` throws MailboxFullError).
   * @default "reject"
   */
  readonly overflow?: OverflowPolicy;
}

export interface SpawnOptions {
  /**
   * Unique among siblings; 1-128 of letters, digits and `_ - ~ @ : + =`.
   * @default a generated name starting with "$"
   */
  readonly name?: string;
  readonly mailbox?: MailboxOptions;
  /**
   * Async handlers that may run at once (an actor-level semaphore). 1 keeps the actor
   * model's one-message-at-a-time guarantee; more trades it for throughput on I/O.
   * @default 1
   */
  readonly concurrency?: number;
  /**
   * Most messages `context.stash()` keeps before it throws StashOverflowError.
   * @default 1000
   */
  readonly stashCapacity?: number;
  /**
   * How this actor supervises its children.
   * @default oneForOne(): restart, at most 5 times in 10 s
   */
  readonly supervision?: SupervisorStrategy;
  /**
   * When the parent restarts this actor after a failure, as OTP's restart types:
   * `transient` restarts it after a failure only (a stopped actor stays stopped);
   * `temporary` never restarts it (a failure stops it, also in a group restart);
   * `permanent` restarts it after a failure and also when it stops itself.
   * @default "transient" (declarative `child(...)`: "permanent")
   */
  readonly restart?: RestartType;
  /**
   * How long this actor gets when its parent stops it (a shutdown, a stop, a group
   * restart that stops it), in ms: to finish in-flight handlers, stop its own children and
   * run an async onStop; then what remains is rejected and it stops anyway. When the actor
   * itself restarts, it bounds stopping its children and its onStop (in-flight handlers of
   * the old instance are not waited for).
   * @default the system's `stopTimeout`
   */
  readonly shutdownTimeout?: number;
  /**
   * Whether the mailbox keeps draining while this actor's offloaded tasks run:
   * `drain` takes the next message at once (a piped result arrives later as a message; an
   * awaited task still holds its handler's slot); `pause` takes no new message until every
   * task it offloaded has finished, piped ones included. Either way, while the pool is
   * saturated an offload waits for room holding a slot, so a busy pool slows the senders.
   * @default "drain"
   */
  readonly offload?: OffloadMode;
  /**
   * Holds messages back so that this actor handles at most what the limiter admits: a
   * RateLimiter instance (shared: many actors, one budget) or its options (a limiter of its
   * own, on the system's clock). A held message waits in the mailbox in order (inspect()
   * counts it as `heldByRateLimit`) and an ask's timeout can still withdraw it. Each message
   * takes one token; the limit survives restarts.
   * @default none
   */
  readonly rateLimit?: RateLimiter | Omit<RateLimiterOptions, "clock">;
}

export const OFFLOAD_MODES = ["drain", "pause"] as const;
export type OffloadMode = (typeof OFFLOAD_MODES)[number];

export const RESTART_TYPES = ["permanent", "transient", "temporary"] as const;
export type RestartType = (typeof RESTART_TYPES)[number];

export interface ResolvedSpawnOptions {
  readonly name: string | undefined;
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  readonly concurrency: number;
  readonly stashCapacity: number;
  readonly supervision: SupervisorStrategy | undefined;
  readonly restart: RestartType;
  readonly shutdownTimeout: number | undefined;
  readonly offload: OffloadMode;
  readonly rateLimit: RateLimiter | Omit<RateLimiterOptions, "clock"> | undefined;
}

const DEFAULTS: ResolvedSpawnOptions = Object.freeze({
  name: undefined,
  capacity: Infinity,
  overflow: "reject",
  concurrency: 1,
  stashCapacity: 1000,
  supervision: undefined,
  restart: "transient",
  shutdownTimeout: undefined,
  offload: "drain",
  rateLimit: undefined,
});

const KEYS = [
  "name",
  "mailbox",
  "concurrency",
  "stashCapacity",
  "supervision",
  "restart",
  "shutdownTimeout",
  "offload",
  "rateLimit",
] as const;

export function resolveSpawnOptions(options: SpawnOptions | undefined): ResolvedSpawnOptions {
  if (options === undefined) return DEFAULTS;
  checkObject("options", options);
  checkKnownKeys("options", options, KEYS);
  const mailbox = options.mailbox;
  checkObject("mailbox", mailbox);
  if (mailbox !== undefined) {
    checkKnownKeys("mailbox", mailbox, ["capacity", "overflow"]);
    if (mailbox.capacity !== Infinity) checkInteger("mailbox.capacity", mailbox.capacity, 1);
    checkOneOf("mailbox.overflow", mailbox.overflow, OVERFLOW_POLICIES);
  }
  checkInteger("concurrency", options.concurrency, 1);
  checkInteger("stashCapacity", options.stashCapacity, 0);
  if (options.supervision !== undefined && !(options.supervision instanceof SupervisorStrategy))
    throw new InvalidOptionError(
      "supervision",
      "a strategy made by oneForOne, oneForAll or restForOne",
      options.supervision,
    );
  if (options.name !== undefined) checkActorName(options.name);
  checkOneOf("restart", options.restart, RESTART_TYPES);
  checkNonNegativeDuration(
    "shutdownTimeout",
    options.shutdownTimeout === Infinity ? undefined : options.shutdownTimeout,
  );
  checkOneOf("offload", options.offload, OFFLOAD_MODES);
  checkRateLimit(options.rateLimit);
  return {
    name: options.name,
    capacity: mailbox?.capacity ?? Infinity,
    overflow: mailbox?.overflow ?? "reject",
    concurrency: options.concurrency ?? 1,
    stashCapacity: options.stashCapacity ?? 1000,
    supervision: options.supervision,
    restart: options.restart ?? "transient",
    shutdownTimeout: options.shutdownTimeout,
    offload: options.offload ?? "drain",
    rateLimit: options.rateLimit,
  };
}

/** A RateLimiter, or options a RateLimiter accepts (checked by making one). */
function checkRateLimit(value: unknown): void {
  if (value === undefined || value instanceof RateLimiter) return;
  if (typeof value !== "object" || value === null)
    throw new InvalidOptionError(
      "rateLimit",
      "a RateLimiter or its options ({ rate, interval, burst })",
      value,
    );
  if ("clock" in value)
    throw new InvalidOptionError(
      "rateLimit.clock",
      "absent: a limiter made from options runs on the system's clock (pass a RateLimiter to choose)",
      value.clock,
    );
  new RateLimiter(value as RateLimiterOptions); // throws InvalidOptionError naming the bad option
}

const NAME = /^[A-Za-z0-9_\-~@:+=][A-Za-z0-9_\-~@:+=$]{0,127}$/;

/** Names must be stable path segments and valid NATS subject tokens. */
export function checkActorName(name: unknown): asserts name is string {
  if (typeof name !== "string" || !NAME.test(name)) throw new InvalidNameError(name);
}

/** Whether `name` passes checkActorName: the subject-token rule, also used by troupe/nats. */
export function isActorName(name: string): boolean {
  return NAME.test(name);
}
