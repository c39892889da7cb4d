/**
 * troupe/testing: tools for testing actors without real waiting.
 */
export { VirtualClock, flush } from "./virtual-clock.js";
export {
  TestProbe,
  ProbeAssertionError,
  type ProbeActor,
  type ProbeFailure,
  type TestProbeOptions,
  type ExpectOptions,
} from "./probe.js";
