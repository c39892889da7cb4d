/**
 * What troupe/http sends: the JSON bodies of its endpoints and the messages of its WebSocket.
 * Types only, with no Node imports, so the dashboard page (browser code) compiles against the
 * same definitions as the server.
 */
import type { ActorSnapshot } from "../actor/snapshot.js";

/**
 * One actor in `GET /api/actors` and in the WebSocket's `metrics` messages: exactly what
 * `system.inspect()` gives (plain data: status, mailbox, waiting senders, stashed, in
 * flight, processed, failed, restarts, backoff, held by the rate limit, children).
 */
export type ActorJson = ActorSnapshot;

/** The thread pool's counters (null in bodies until the pool has started). */
export interface ThreadsJson {
  readonly threads: number;
  readonly queued: number;
  readonly inFlight: number;
  readonly completed: number;
  readonly replaced: number;
  /** Share of thread capacity in use since the pool started, 0–1. */
  readonly utilization: number;
}

/** The system's lifecycle (as `system.status`). */
export type SystemStatus = "running" | "shutting-down" | "terminated";

/** `GET /api/actors`: the supervision tree. */
export interface TreeJson {
  readonly name: string;
  readonly status: SystemStatus;
  readonly deadLetters: number;
  readonly actors: readonly ActorJson[];
}

/** `GET /api/actors/<path>`: one actor with its subtree, and what the gateway lets callers send it. */
export interface ActorDetailJson extends ActorSnapshot {
  /** Methods callable through the gateway (empty when the gateway is off or nothing is exposed). */
  readonly exposed: readonly string[];
}

/** An error as it travels in JSON. */
export interface ErrorJson {
  readonly name: string;
  readonly message: string;
  /** The error's stable `code`, when it has one (every troupe error does). */
  readonly code?: string;
}

/** A message that could not be delivered or processed. */
export interface DeadLetterJson {
  readonly recipient: string;
  readonly method: string;
  /** The arguments, made JSON-safe (long strings and arrays cut, cycles and functions named). */
  readonly args: readonly unknown[];
  readonly reason: string;
  /** When it was recorded (epoch ms). */
  readonly at: number;
}

/** `GET /api/dead-letters`. */
export interface DeadLettersJson {
  readonly count: number;
  /** Oldest first. */
  readonly recent: readonly DeadLetterJson[];
}

/** One sample of the system's health, taken every `metricsInterval` ms. */
export interface MetricsSample {
  /** When it was taken (epoch ms). */
  readonly at: number;
  /** Messages processed per second since the previous sample (all live actors). */
  readonly messagesPerSecond: number;
  /** Event-loop delay percentiles over the interval (ms). */
  readonly eventLoopDelayP50: number;
  readonly eventLoopDelayP99: number;
  readonly eventLoopDelayMax: number;
  /** Share of the interval the event loop was busy, 0–1. */
  readonly eventLoopUtilization: number;
  /** Share of thread capacity in use over the interval, 0–1; null until the pool starts. */
  readonly poolUtilization: number | null;
  /** Tasks waiting for a thread (0 until the pool starts). */
  readonly poolQueued: number;
  readonly actors: number;
  /** Messages waiting in all mailboxes. */
  readonly mailboxes: number;
  readonly deadLetters: number;
  readonly heapUsed: number;
}

/** `GET /api/metrics`: the samples of the last minutes, oldest first. */
export interface MetricsJson {
  readonly intervalMs: number;
  readonly samples: readonly MetricsSample[];
}

/** `GET /api/status`. */
export interface StatusJson {
  readonly name: string;
  readonly status: SystemStatus;
  /** Time since the system was created (ms). */
  readonly uptimeMs: number;
  readonly actors: number;
  readonly deadLetters: number;
  readonly memory: {
    readonly rss: number;
    readonly heapUsed: number;
    readonly heapTotal: number;
    readonly external: number;
  };
  /** Over the latest metrics interval. */
  readonly eventLoop: {
    readonly delayP50: number;
    readonly delayP99: number;
    readonly utilization: number;
  };
  readonly messagesPerSecond: number;
  /** Null until the pool has started. */
  readonly threads: ThreadsJson | null;
  /** WebSocket clients connected to `/ws`. */
  readonly clients: number;
}

/** System events the WebSocket forwards, with their JSON payloads. */
export interface EventPayloads {
  readonly started: { readonly path: string };
  readonly stopped: { readonly path: string; readonly reason: string; readonly error?: ErrorJson };
  readonly restarted: {
    readonly path: string;
    readonly error: ErrorJson;
    readonly restarts: number;
    readonly attempt: number;
    readonly delayMs: number;
  };
  readonly failed: {
    readonly path: string;
    readonly error: ErrorJson;
    readonly phase: string;
    readonly method?: string;
  };
  readonly escalated: { readonly path: string; readonly child: string; readonly error: ErrorJson };
  readonly maxRestartsExceeded: {
    readonly path: string;
    readonly maxRestarts: number;
    readonly withinMs: number;
    readonly then: string;
  };
  readonly fatal: { readonly path: string; readonly error: ErrorJson };
  readonly deadLetter: DeadLetterJson;
  readonly overflow: { readonly path: string; readonly policy: string; readonly capacity: number };
  readonly threadError: ErrorJson;
}

export type StreamEventName = keyof EventPayloads;

/** A system event, sent as it happens. */
export type EventMessage = {
  [E in StreamEventName]: {
    readonly type: "event";
    readonly event: E;
    /** Epoch ms. */
    readonly at: number;
    readonly data: EventPayloads[E];
  };
}[StreamEventName];

/** Sent every `metricsInterval` ms: the new sample and the tree as it is now. */
export interface MetricsMessage {
  readonly type: "metrics";
  readonly sample: MetricsSample;
  readonly tree: TreeJson;
}

/** The first message on a new connection: enough to draw the page at once. */
export interface HelloMessage {
  readonly type: "hello";
  readonly intervalMs: number;
  readonly tree: TreeJson;
  readonly history: readonly MetricsSample[];
  readonly deadLetters: DeadLettersJson;
}

/** Everything the server sends on `/ws` (the client sends nothing). */
export type StreamMessage = HelloMessage | EventMessage | MetricsMessage;

/** The body of every error response. */
export interface ErrorBody {
  readonly error: {
    readonly status: number;
    readonly code: string;
    readonly message: string;
    /** For a handler's error (status 500): its class name. */
    readonly name?: string;
  };
}

/** `POST …/ask/<method>` → 200. */
export interface AskReplyBody {
  readonly reply: unknown;
}

/** `POST …/tell/<method>` → 202. */
export interface TellAcceptedBody {
  readonly accepted: true;
}
