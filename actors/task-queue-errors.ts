/**
 * The errors a `TaskQueue` adds to troupe's own: a full queue and an unknown job id. A
 * cancelled job rejects with troupe's `OperationAbortedError("taskQueue.job")` and a timed-out
 * one with `TimeoutError("taskQueue.job")`; a failed job rejects with the job's own error.
 */
import { TroupeError } from "../src/index.js";

/** `submit` found `capacity` jobs already pending: back off, or raise `capacity`. */
export class JobQueueFullError extends TroupeError {
  readonly code = "ERR_JOB_QUEUE_FULL";
  constructor(
    readonly queuePath: string,
    readonly capacity: number,
    readonly running: number,
  ) {
    super(
      `Cannot submit to ${queuePath}: ${capacity} job(s) are already pending (capacity ` +
        `${capacity}) and ${running} running. Wait for results before submitting more, or ` +
        `raise the queue's "capacity".`,
    );
  }
}

/** No job with that id: it was never submitted here, or it finished and was evicted. */
export class UnknownJobError extends TroupeError {
  readonly code = "ERR_UNKNOWN_JOB";
  constructor(
    readonly jobId: string,
    readonly queuePath: string,
    readonly retention: number,
  ) {
    super(
      `${queuePath} has no job ${JSON.stringify(jobId)}: it was never submitted to this ` +
        `queue, or it finished and was evicted (the queue keeps the last ${retention} ` +
        `finished job(s); raise "retention" to keep more).`,
    );
  }
}
