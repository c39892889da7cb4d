/**
 * The WebSocket to the server's `/ws` stream, reconnected with backoff whenever it drops.
 *
 * The server sends a `hello` with the whole state first on every connection, so after a
 * reconnect the page needs no catch-up logic: it just redraws from that hello.
 */
import type { StreamMessage } from "../protocol.js";

/** `open`: live; `connecting`: an attempt is under way; `closed`: waiting to retry. */
export type ConnectionState = "open" | "connecting" | "closed";

export interface ConnectionOptions {
  readonly url: string;
  readonly onMessage: (message: StreamMessage) => void;
  /** `retryAt` is when the next attempt starts (epoch ms), for a `closed` state only. */
  readonly onState: (state: ConnectionState, retryAt: number | null) => void;
  /** First retry delay; it doubles after each failed attempt up to `maxDelayMs`. */
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
}

/** The stream URL on the page's own origin: ws://host/ws, or wss:// behind https. */
export function streamUrl(location: Location): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws`;
}

export class Connection {
  readonly #options: ConnectionOptions;
  readonly #minDelay: number;
  readonly #maxDelay: number;
  #delay: number;
  #socket: WebSocket | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.#minDelay = options.minDelayMs ?? 500;
    this.#maxDelay = options.maxDelayMs ?? 5000;
    this.#delay = this.#minDelay;
    // Coming back online or to the tab is a good moment to retry rather than wait out the backoff.
    window.addEventListener("online", () => this.#retryNow());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.#retryNow();
    });
  }

  start(): void {
    if (this.#socket === null && this.#timer === null) this.#connect();
  }

  #connect(): void {
    this.#timer = null;
    this.#options.onState("connecting", null);
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.#options.url);
    } catch {
      // Only a malformed URL throws here; treat it like a failed attempt.
      this.#scheduleRetry();
      return;
    }
    this.#socket = socket;
    socket.addEventListener("open", () => {
      this.#options.onState("open", null);
    });
    socket.addEventListener("message", (event: MessageEvent<unknown>) => {
      const message = parse(event.data);
      if (message === null) return;
      // A working stream (not merely an open socket) resets the backoff.
      if (message.type === "hello") this.#delay = this.#minDelay;
      this.#options.onMessage(message);
    });
    // An error is always followed by close, which does the retrying.
    socket.addEventListener("close", () => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.#scheduleRetry();
    });
  }

  #scheduleRetry(): void {
    const delay = this.#delay;
    this.#delay = Math.min(this.#delay * 2, this.#maxDelay);
    this.#options.onState("closed", Date.now() + delay);
    this.#timer = setTimeout(() => this.#connect(), delay);
  }

  #retryNow(): void {
    if (this.#timer === null) return;
    clearTimeout(this.#timer);
    this.#connect();
  }
}

const messageTypes: ReadonlySet<string> = new Set(["hello", "metrics", "event"]);

/** The frame as a StreamMessage, or null for anything that is not one of ours. */
function parse(data: unknown): StreamMessage | null {
  if (typeof data !== "string") return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || !("type" in value)) return null;
  const type = value.type;
  if (typeof type !== "string" || !messageTypes.has(type)) return null;
  // The server is the only sender and shares protocol.ts with this page; the type tag is
  // checked, the rest is trusted to match it.
  return value as StreamMessage;
}
