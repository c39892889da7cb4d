/**
 * The WebSocket `/ws`: a live stream of system events and metrics to every connected client.
 * A broadcast serialises a message once and hands it to each socket without waiting for any
 * of them. A client that falls behind (more than `maxBufferedBytes` queued for it and not yet
 * taken by the network) has its connection cut instead of being buffered without bound; the
 * others are not slowed. Clients that stop answering pings are dropped too. The stream subscribes to system events only while a client is connected.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import type { ActorSystem, SystemSnapshot } from "../system/actor-system.js";
import type { SystemEventName, SystemEvents } from "../system/events.js";
import type { Clock, TimerHandle } from "../time/clock.js";
import type {
  DeadLetterJson,
  EventPayloads,
  MetricsSample,
  StreamEventName,
  StreamMessage,
} from "./protocol.js";
import { PREVIEW, errorJson, toJsonSafe } from "./json-safe.js";
import { treeJson } from "./tree-json.js";
import type { MetricsSampler } from "./metrics.js";
import type { DeadLetter } from "../system/events.js";

export interface EventStreamOptions {
  readonly maxBufferedBytes: number;
  readonly heartbeatMs: number;
}

/** Close code when the server stops (RFC 6455: "going away"). */
export const CLOSE_GOING_AWAY = 1001;

export class EventStream {
  readonly #system: ActorSystem;
  readonly #sampler: MetricsSampler;
  readonly #options: EventStreamOptions;
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  readonly #alive = new WeakSet<WebSocket>();
  readonly #unsubscribe: (() => void)[] = [];
  #heartbeat: TimerHandle | null = null;
  #dropped = 0;
  #closed = false;

  constructor(system: ActorSystem, sampler: MetricsSampler, options: EventStreamOptions) {
    this.#system = system;
    this.#sampler = sampler;
    this.#options = options;
  }

  /** Clients connected now. */
  get clients(): number {
    return this.#wss.clients.size;
  }

  /** Clients dropped for falling behind or not answering pings. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Takes over an HTTP upgrade request for `/ws`. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.#wss.handleUpgrade(request, socket, head, (client) => this.#connect(client));
  }

  /** Sends a metrics tick to every client. */
  metrics(sample: MetricsSample, snapshot: SystemSnapshot): void {
    if (this.clients === 0) return;
    this.#broadcast({ type: "metrics", sample, tree: treeJson(snapshot) });
  }

  /** Closes every client with 1001 and stops listening. */
  close(): void {
    this.#closed = true;
    this.#stopListening();
    for (const client of this.#wss.clients) client.close(CLOSE_GOING_AWAY, "server closing");
    // A client that does not answer the close handshake must not keep the process alive.
    for (const client of this.#wss.clients) setTimeout(() => client.terminate(), 1000).unref();
    this.#wss.close();
  }

  #connect(client: WebSocket): void {
    if (this.#closed) {
      client.terminate();
      return;
    }
    this.#alive.add(client);
    client.on("pong", () => this.#alive.add(client));
    // The protocol is server → client; whatever a client sends is ignored (maxPayload caps it).
    client.on("error", () => client.terminate());
    client.on("close", () => {
      if (this.clients === 0) this.#stopListening();
    });
    if (this.#unsubscribe.length === 0) this.#listen();
    const recent = this.#system.deadLetters;
    this.#send(client, {
      type: "hello",
      intervalMs: this.#sampler.intervalMs,
      tree: treeJson(this.#system.inspect()),
      history: this.#sampler.history(),
      deadLetters: {
        count: recent.count,
        recent: recent.recent().map((letter) => deadLetterJson(letter, this.#system.clock)),
      },
    });
  }

  #listen(): void {
    const events = this.#system.events;
    const forward = <E extends SystemEventName & StreamEventName>(
      event: E,
      toJson: (...args: SystemEvents[E]) => EventPayloads[E],
    ): void => {
      const listener = (...args: SystemEvents[E]): void =>
        this.#broadcast({
          type: "event",
          event,
          at: Date.now(),
          data: toJson(...args),
        } as StreamMessage);
      (events.on as (e: E, l: (...a: SystemEvents[E]) => void) => void)(event, listener);
      this.#unsubscribe.push(() =>
        (events.off as (e: E, l: (...a: SystemEvents[E]) => void) => void)(event, listener),
      );
    };
    forward("started", (e) => ({ path: e.path }));
    forward("stopped", (e) =>
      e.reason.kind === "failed"
        ? { path: e.path, reason: e.reason.kind, error: errorJson(e.reason.error) }
        : { path: e.path, reason: e.reason.kind },
    );
    forward("restarted", (e) => ({
      path: e.path,
      error: errorJson(e.error),
      restarts: e.restarts,
      attempt: e.attempt,
      delayMs: e.delayMs,
    }));
    forward("failed", (e) =>
      e.method === undefined
        ? { path: e.path, error: errorJson(e.error), phase: e.phase }
        : { path: e.path, error: errorJson(e.error), phase: e.phase, method: e.method },
    );
    forward("escalated", (e) => ({ path: e.path, child: e.child, error: errorJson(e.error) }));
    forward("maxRestartsExceeded", (e) => ({
      path: e.path,
      maxRestarts: e.maxRestarts,
      withinMs: e.withinMs,
      then: e.then,
    }));
    forward("fatal", (e) => ({ path: e.path, error: errorJson(e.error) }));
    forward("deadLetter", (letter) => deadLetterJson(letter, this.#system.clock));
    forward("overflow", (e) => ({ path: e.path, policy: e.policy, capacity: e.capacity }));
    forward("threadError", (e) => errorJson(e));
    this.#heartbeat = this.#system.clock.setTimer(() => this.#ping(), this.#options.heartbeatMs);
  }

  #stopListening(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
    if (this.#heartbeat !== null) this.#system.clock.clearTimer(this.#heartbeat);
    this.#heartbeat = null;
  }

  /** Drops clients that did not answer the previous ping, pings the rest. */
  #ping(): void {
    for (const client of this.#wss.clients) {
      if (!this.#alive.has(client)) {
        this.#drop(client);
        continue;
      }
      this.#alive.delete(client);
      client.ping();
    }
    this.#heartbeat = this.#system.clock.setTimer(() => this.#ping(), this.#options.heartbeatMs);
  }

  #broadcast(message: StreamMessage): void {
    const text = JSON.stringify(message);
    for (const client of this.#wss.clients) this.#sendText(client, text);
  }

  #send(client: WebSocket, message: StreamMessage): void {
    this.#sendText(client, JSON.stringify(message));
  }

  #sendText(client: WebSocket, text: string): void {
    if (client.readyState !== WebSocket.OPEN) return;
    if (client.bufferedAmount > this.#options.maxBufferedBytes) {
      this.#drop(client);
      return;
    }
    client.send(text);
  }

  /**
   * Ends a client that cannot keep up. A close frame would queue behind the bytes it cannot
   * take, so the connection is cut (the client sees 1006) and its queued bytes are freed at
   * once; the dashboard reconnects and starts again from a fresh `hello`.
   */
  #drop(client: WebSocket): void {
    this.#dropped++;
    client.terminate();
  }
}

/** A dead letter for JSON; its clock timestamp becomes epoch ms. */
export function deadLetterJson(letter: DeadLetter, clock: Clock): DeadLetterJson {
  return {
    recipient: letter.recipient,
    method: letter.method,
    args: toJsonSafe(letter.args, PREVIEW) as unknown[],
    reason: letter.reason,
    at: Math.round(Date.now() - (clock.now() - letter.timestamp)),
  };
}
