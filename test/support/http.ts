/**
 * What the HTTP tests share: requests to a running server over loopback (fetch for the
 * usual ones, node:http for what fetch cannot send: a foreign Host header, a chunked body
 * written piece by piece), checks of the error body every refusal answers with, and a
 * WebSocket client of `/ws` that keeps every message it receives and lets a test wait for
 * the next one it expects, on events, never on time.
 *
 * ```ts
 * const reply = await post(server, "actors/user/c/ask/get", { token: TOKEN });
 * expect(reply).toMatchObject({ status: 200, body: { reply: 0 } });
 * const stream = await StreamClient.open(server);
 * const started = await stream.next(eventNamed("started"));
 * ```
 */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { expect } from "vitest";
import { WebSocket, type ClientOptions, type RawData } from "ws";
import type {
  EventMessage,
  HttpServer,
  MetricsMessage,
  StreamEventName,
  StreamMessage,
} from "../../src/http/index.js";
import { invalidOption, rejectionOf } from "./thrown-by.js";

/** A gateway token long enough for the server's check. */
export const TOKEN = "t0ken-for-the-http-tests-0123456789";

/** A response, its JSON body parsed (or the raw text when it is not JSON). */
export interface Reply<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

async function replyOf(response: Response): Promise<Reply> {
  const text = await response.text();
  const json = (response.headers.get("content-type") ?? "").startsWith("application/json");
  return {
    status: response.status,
    headers: response.headers,
    body: json && text.length > 0 ? (JSON.parse(text) as unknown) : text,
  };
}

/** `GET <server>/api/<path>` (or any method, with `init`). */
export async function api(server: HttpServer, path: string, init?: RequestInit): Promise<Reply> {
  return replyOf(await fetch(`${server.url}api/${path}`, init));
}

/** A request to any path of the server (`/`, `/app.js`, `/ws`). */
export async function page(server: HttpServer, path: string, init?: RequestInit): Promise<Reply> {
  return replyOf(await fetch(new URL(path, server.url), init));
}

export interface PostOptions {
  /** Sent as `Authorization: Bearer <token>`; none when undefined. */
  readonly token?: string;
  /** The body: an array is sent as JSON, a string as it is; none when undefined. */
  readonly body?: readonly unknown[] | string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** `POST <server>/api/<path>`, the way gateway callers send it. */
export async function post(
  server: HttpServer,
  path: string,
  options: PostOptions = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers["authorization"] = `Bearer ${options.token}`;
  const body = options.body;
  if (body !== undefined) headers["content-type"] = "application/json";
  return api(server, path, {
    method: "POST",
    headers,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
}

/**
 * Checks a refusal: its status, and the body `{ error: { status, code, message } }` whose
 * message contains `says` (what the caller should do).
 */
export function expectError(reply: Reply, status: number, code: string, says: string): void {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(reply.body).toEqual({
    error: { status, code, message: expect.stringContaining(says) as unknown },
  });
  expect(reply.headers.get("content-type")).toBe("application/json; charset=utf-8");
}

/** A response read through node:http. */
export interface RawReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

export interface RawRequestOptions {
  readonly method?: string;
  /** The path, from `/`. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Written one by one; with `end: false` the request is not ended. */
  readonly chunks?: readonly string[];
  /** End the request after the chunks. @default true */
  readonly end?: boolean;
}

/**
 * A request through node:http, for what fetch will not send: a Host header of the test's
 * choosing, a chunked body, a request left unfinished. Resolves with the response as soon
 * as it has been read, whether or not the request was ended; then drops the connection.
 */
export function rawRequest(server: HttpServer, options: RawRequestOptions): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({
      host: "127.0.0.1",
      port: server.port,
      method: options.method ?? "GET",
      path: options.path,
      headers: options.headers,
      agent: false,
    });
    request.on("error", reject);
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const json = (response.headers["content-type"] ?? "").startsWith("application/json");
        // The server may close while the body is still being sent; that is not a failure.
        request.off("error", reject);
        request.on("error", () => {});
        request.destroy();
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: json && text.length > 0 ? (JSON.parse(text) as unknown) : text,
        });
      });
    });
    for (const chunk of options.chunks ?? []) request.write(chunk);
    if (options.end ?? true) request.end();
  });
}

/** The raw reply as a Reply, for `expectError`. */
export function asReply(raw: RawReply): Reply {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw.headers))
    if (typeof value === "string") headers.set(name, value);
  return { status: raw.status, headers, body: raw.body };
}

/**
 * Expects `promise` (a call of `serve`) to reject with InvalidOptionError for exactly this
 * option, contract and received value (see `invalidOption`).
 */
export async function rejectedOption(
  promise: Promise<unknown>,
  option: string,
  expected: string,
  received: unknown,
): Promise<void> {
  const error = await rejectionOf(promise);
  invalidOption(
    () => {
      throw error;
    },
    option,
    expected,
    received,
  );
}

/** A stream message that is the event `name`. */
export type EventNamed<E extends StreamEventName> = Extract<EventMessage, { event: E }>;

/** A predicate for `StreamClient.next`: the event `name`, optionally of one actor path. */
export function eventNamed<E extends StreamEventName>(
  name: E,
  path?: string,
): (message: StreamMessage) => message is EventNamed<E> {
  return (message): message is EventNamed<E> =>
    message.type === "event" &&
    message.event === name &&
    (path === undefined || ("path" in message.data && message.data.path === path));
}

/** A predicate for `StreamClient.next`: a metrics tick. */
export function isMetrics(message: StreamMessage): message is MetricsMessage {
  return message.type === "metrics";
}

/** How a client's connection ended. */
export interface Closed {
  readonly code: number;
  readonly reason: string;
}

/**
 * A client of `/ws` that keeps every message. `next(predicate)` waits for the first matching
 * message after the previous one it returned; it rejects if the connection ends first, so a
 * test fails at once instead of waiting for its timeout.
 */
export class StreamClient {
  readonly socket: WebSocket;
  /** Every message received, in order. */
  readonly messages: StreamMessage[] = [];
  /** Resolves when the connection has ended. */
  readonly closed: Promise<Closed>;
  #cursor = 0;
  #ended: Closed | null = null;
  #wake: (() => void) | null = null;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on("message", (data: RawData) => {
      this.messages.push(JSON.parse(rawText(data)) as StreamMessage);
      this.#wake?.();
    });
    // An error (e.g. a cut connection) is followed by "close", which ends the waits.
    socket.on("error", () => {});
    this.closed = new Promise((resolve) => {
      socket.on("close", (code: number, reason: Buffer) => {
        this.#ended = { code, reason: reason.toString("utf8") };
        this.#wake?.();
        resolve(this.#ended);
      });
    });
  }

  /** Opens a client and resolves once it is connected. */
  static async open(server: HttpServer, options?: ClientOptions): Promise<StreamClient> {
    const socket = new WebSocket(`${server.url.replace(/^http/, "ws")}ws`, options);
    const client = new StreamClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("unexpected-response", (_request, response) =>
        reject(new Error(`/ws answered ${response.statusCode}`)),
      );
      socket.once("close", () => reject(new Error("/ws closed before it opened")));
    });
    return client;
  }

  /** The events received so far, of one kind. */
  events<E extends StreamEventName>(name: E): EventNamed<E>[] {
    return this.messages.filter(eventNamed(name));
  }

  /** The first message matching `predicate` after the last one `next` returned. */
  async next<M extends StreamMessage>(
    predicate: (message: StreamMessage) => message is M,
  ): Promise<M>;
  async next(predicate: (message: StreamMessage) => boolean): Promise<StreamMessage>;
  async next(predicate: (message: StreamMessage) => boolean): Promise<StreamMessage> {
    for (;;) {
      while (this.#cursor < this.messages.length) {
        const message = this.messages[this.#cursor++] as StreamMessage;
        if (predicate(message)) return message;
      }
      if (this.#ended !== null)
        throw new Error(
          `the stream closed (${this.#ended.code}) before the awaited message; got ${this.messages.length} messages`,
        );
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = null;
    }
  }

  /** Ends the connection at once. */
  terminate(): void {
    this.socket.terminate();
  }
}

/** The status and body with which an upgrade to `/ws` was refused. */
export function refusedUpgrade(
  server: HttpServer,
  options: ClientOptions,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${server.url.replace(/^http/, "ws")}ws`, options);
    socket.on("error", () => {});
    socket.once("open", () => {
      socket.terminate();
      reject(new Error("the upgrade was accepted"));
    });
    socket.once("unexpected-response", (_request, response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        socket.terminate();
        resolve({
          status: response.statusCode ?? 0,
          body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown,
        });
      });
    });
  });
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return data.toString("utf8");
}

/**
 * Lets the event loop turn (setImmediate) until `condition()` holds, at most `turns` times;
 * throws naming `what` if it never does. For states with no event to wait on (a counter on
 * the server), never as a delay.
 */
export async function until(condition: () => boolean, what: string, turns = 10_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`still waiting after ${turns} loop turns: ${what}`);
}
