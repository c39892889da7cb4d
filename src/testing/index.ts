/**
 * troupe/testing: tools for testing actors without real waiting.
 */
export { VirtualClock, flush } from "./virtual-clock.js";
