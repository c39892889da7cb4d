/**
 * Task queue: 3 workers run 10 jobs that succeed, fail and retry, time out, or are cancelled.
 *
 * `taskQueue(...)` from troupe/actors makes a queue actor that supervises its workers, and
 * `TaskQueue` is its client. This example submits ten jobs to a queue of 3 workers and prints
 * each job's life as it happens:
 *
 *   pending -> running -> completed | failed | timed-out      pending or running -> cancelled
 *
 * - A job that throws is retried (on the same worker, at once) up to its `retries`, then it
 *   is `failed`: invoice-3 and invoice-10 recover, report-5 fails every attempt.
 * - A job still running at its `timeout` is `timed-out` and its signal is aborted (export-6,
 *   export-9). A timeout is not retried.
 * - `cancel` aborts a running job's signal (sync-7), or takes a pending job off the queue.
 *
 * Every outcome is decided by the job's definition, never by chance, so each run ends the
 * same way; only the times and the interleaving of lines vary. The queue has no event
 * stream: "pending" is printed when a job is submitted, "running" and failed attempts by the
 * job handler itself, and the final state when `result(id)` settles (it waits without
 * polling). A freed worker starts its next job at once, so that job's "running" line can come
 * just before the "completed" line of the job it follows.
 *
 * Run it with `npm run example -- task-queue`.
 */
// Inside this repository the examples import the source; your code imports "troupe" and
// "troupe/actors".
import { setTimeout as sleep } from "node:timers/promises";
import { ActorSystem, OperationAbortedError, TimeoutError } from "../src/index.js";
import {
  TaskQueue,
  taskQueue,
  type JobInfo,
  type JobStatus,
  type SubmitOptions,
} from "../actors/index.js";

interface Job {
  readonly name: string;
  /** How long one attempt works, in ms. */
  readonly ms: number;
  /** The first `failures` attempts throw (Infinity: every attempt). */
  readonly failures: number;
}

interface Plan {
  readonly job: Job;
  readonly options: SubmitOptions;
}

const plan = (name: string, ms: number, failures = 0, options: SubmitOptions = {}): Plan => ({
  job: { name, ms, failures },
  options,
});

const PLANS: readonly Plan[] = [
  plan("photo-1", 300),
  plan("photo-2", 500),
  plan("invoice-3", 200, 1, { retries: 2 }), // fails once, then succeeds
  plan("email-4", 100),
  plan("report-5", 150, Infinity, { retries: 2 }), // fails all 3 attempts
  plan("export-6", 10_000, 0, { timeout: 500 }), // needs far more than its 500 ms
  plan("sync-7", 60_000, 0, { timeout: Infinity }), // runs until it is cancelled
  plan("email-8", 100),
  plan("export-9", 10_000, 0, { timeout: 500 }),
  plan("invoice-10", 200, 1, { retries: 1 }),
];
/** How long sync-7 runs before it is cancelled. */
const CANCEL_AFTER_MS = 300;

const started = performance.now();
const ms = (n: number): string => `${n.toFixed(0)} ms`;

/** One line per event: the job (or the queue), the time since the start, the state, details. */
function say(who: string, state: string, text = ""): void {
  const at = ms(performance.now() - started).padStart(8);
  console.log(`${who.padEnd(10)} ${at}  ${state.padEnd(9)} ${text}`.trimEnd());
}

let syncStarted!: () => void;
const syncRunning = new Promise<void>((resolve) => (syncStarted = resolve));

/** The job handler: works for `job.ms` unless its signal aborts first, then maybe throws. */
async function handle(job: Job, signal: AbortSignal, { attempt }: JobInfo): Promise<string> {
  say(job.name, "running", `attempt ${attempt}`);
  if (job.name === "sync-7") syncStarted();
  try {
    // Stands for real work that honours the signal (fetch(url, { signal }), a query...).
    await sleep(job.ms, undefined, { signal });
  } catch (error) {
    const reason: unknown = signal.reason;
    const why = reason instanceof TimeoutError ? "its timeout passed" : "it was cancelled";
    say(job.name, "stopping", `signal aborted: ${why}`);
    throw error;
  }
  if (attempt <= job.failures) {
    const error = new Error("upstream answered 503");
    say(job.name, "error", `attempt ${attempt} threw: ${error.message}`);
    throw error;
  }
  return `${job.name} done`;
}

/** What a job will do, and its submit options: enough to predict its outcome. */
function describePlan({ job, options: { retries, timeout } }: Plan): string {
  const throws =
    job.failures === Infinity
      ? ", throws every attempt"
      : job.failures > 0
        ? `, throws on its first ${job.failures === 1 ? "attempt" : `${job.failures} attempts`}`
        : "";
  const parts = [`works ${job.ms} ms${throws}`];
  if (retries !== undefined) parts.push(`retries ${retries}`);
  if (timeout !== undefined)
    parts.push(timeout === Infinity ? "no timeout" : `timeout ${timeout} ms`);
  return parts.join("; ");
}

/** One line for a job's final state, from its status. */
function describeOutcome(status: JobStatus, value: string | undefined): string {
  const tries = `after ${status.attempts} attempt${status.attempts === 1 ? "" : "s"}`;
  const error = status.error;
  if (status.state === "completed") return `${tries}: "${value}"`;
  if (error instanceof TimeoutError) return `${tries}: no result within ${error.timeoutMs} ms`;
  if (error instanceof OperationAbortedError)
    return `${tries}: ${error.cause instanceof Error ? error.cause.message : "aborted"}`;
  return `${tries}: ${error?.message ?? "?"}`;
}

const system = new ActorSystem({ name: "task-queue" });
const queue = new TaskQueue(
  system.spawn(taskQueue({ workers: 3, timeout: 2_000, retries: 0, handle }), { name: "jobs" }),
);
try {
  say(
    "queue",
    "config",
    `3 workers, ${PLANS.length} jobs; unless a job says otherwise: no retries, timeout 2000 ms`,
  );
  const ids = new Map<string, string>();
  for (const p of PLANS) {
    const { job, options } = p;
    // Printed before the call: the queue may start the job before submit's reply is back.
    say(job.name, "pending", describePlan(p));
    ids.set(job.name, await queue.submit(job, options));
  }

  // Each job's outcome is printed as it settles; result() rejects unless it completed.
  const outcomes = PLANS.map(async ({ job }) => {
    const id = ids.get(job.name) ?? "";
    const value = await queue.result(id).catch(() => undefined);
    const status = await queue.status(id);
    say(job.name, status.state, describeOutcome(status, value));
  });

  // A user gives up on sync-7 once it has run for a while.
  await syncRunning;
  await sleep(CANCEL_AFTER_MS);
  say("sync-7", "cancel", `requested after ${CANCEL_AFTER_MS} ms of work`);
  const cancelled = await queue.cancel(ids.get("sync-7") ?? "", new Error("cancelled by the user"));
  if (!cancelled) say("sync-7", "cancel", "too late: it had already finished");

  await Promise.all(outcomes);
  const stats = await queue.stats();
  const finished = stats.completed + stats.failed + stats.timedOut + stats.cancelled;
  say(
    "queue",
    "stats",
    `completed ${stats.completed}, failed ${stats.failed}, timed-out ${stats.timedOut}, ` +
      `cancelled ${stats.cancelled} (${finished} of ${PLANS.length}); pending ${stats.pending}, ` +
      `running ${stats.running}`,
  );
  say(
    "queue",
    "stats",
    `waited for a worker: p50 ${ms(stats.waitMs.p50)}, p95 ${ms(stats.waitMs.p95)}; ` +
      `ran: p50 ${ms(stats.runMs.p50)}, p95 ${ms(stats.runMs.p95)}`,
  );
} finally {
  await system.shutdown();
}
