/**
 * The fixture most actor tests share: a fresh VirtualClock and an ActorSystem on it for
 * each test, and a teardown that always ends. A test file keeps `clock` and `system` as
 * its own variables, so a test can still replace the system with one built on other
 * options (`system = new ActorSystem({ clock, askTimeout: 200 })`) and the teardown stops
 * whichever system is current:
 *
 * ```ts
 * let clock: VirtualClock;
 * let system: ActorSystem;
 *
 * beforeEach(() => {
 *   ({ clock, system } = startVirtualSystem());
 * });
 *
 * afterEach(() => stopVirtualSystem(system, clock));
 * ```
 */
import { ActorSystem, type ActorSystemOptions } from "../../src/index.js";
import { VirtualClock } from "../../src/testing/index.js";

/** A system and the virtual clock it runs on. */
export interface VirtualSystem {
  readonly clock: VirtualClock;
  readonly system: ActorSystem;
}

/**
 * A new VirtualClock at time 0 and a new ActorSystem on it. `options` are passed on to the
 * system as they are; the clock is always the virtual one.
 */
export function startVirtualSystem(options: Omit<ActorSystemOptions, "clock"> = {}): VirtualSystem {
  const clock = new VirtualClock();
  return { clock, system: new ActorSystem({ ...options, clock }) };
}

/**
 * Shuts `system` down and moves `clock` on by a minute while it does. Virtual time only
 * moves when told, so without the advance a shutdown that waits for a stop deadline (an
 * actor still inside an async handler; 5 s by default) would never end, and the test would
 * hang until its timeout instead of reporting what went wrong.
 */
export async function stopVirtualSystem(system: ActorSystem, clock: VirtualClock): Promise<void> {
  const done = system.shutdown();
  await clock.advance(60_000);
  await done;
}
