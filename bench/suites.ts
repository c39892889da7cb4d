/**
 * The benchmark suites `npm run bench` knows, in the order a full run measures them. A
 * suite is loaded only when it runs, so one suite's imports cannot break another. To add
 * one, export a `Suite` from its module and list it here.
 */
import type { Suite } from "./lib/suite.js";

export interface SuiteEntry {
  readonly name: string;
  readonly description: string;
  readonly load: () => Promise<Suite>;
}

export const SUITES: readonly SuiteEntry[] = [
  {
    name: "actors",
    description: "tell, ping-pong, asks, spawn and fan-out against bare ring-buffer baselines",
    load: async () => (await import("./actors.js")).suite,
  },
  {
    name: "limits",
    description:
      "Semaphore, RateLimiter and actor-level limits that do not bind, against bare counters",
    load: async () => (await import("./limits.js")).suite,
  },
  {
    name: "thread-vs-loop",
    description: "CPU kernels, I/O and no-op tasks on the event loop vs the thread pool",
    load: async () => (await import("./thread-vs-loop/index.js")).suite,
  },
];
