/**
 * troupe's HTTP server: read-only status endpoints, the gateway to exposed actors, the
 * WebSocket event stream and the dashboard page, on node:http. `serve(system)` starts it on
 * 127.0.0.1 and resolves once it listens; it closes with `server.close()` or by itself when
 * the system terminates.
 *
 * | route | answers |
 * |---|---|
 * | `GET /` | the dashboard page (`/app.js`, `/style.css`) |
 * | `GET /api/status` | StatusJson: uptime, actors, memory, event loop, pool, dead letters |
 * | `GET /api/actors` | TreeJson: the supervision tree |
 * | `GET /api/actors/<path>` | ActorDetailJson: one actor with its subtree |
 * | `GET /api/metrics` | MetricsJson: the samples of the last minutes |
 * | `GET /api/dead-letters` | DeadLettersJson |
 * | `POST /api/actors/<path>/tell/<method>` | 202, after a token check, for exposed methods |
 * | `POST /api/actors/<path>/ask/<method>` | 200 with `{ reply }` |
 * | `GET /ws` (upgrade) | the live stream of StreamMessage |
 *
 * Failures answer `{ error: { status, code, message } }`. While bound to loopback, requests
 * must name a loopback host (a page on another site cannot reach the server through DNS
 * rebinding), and a WebSocket opened from a page must come from the server's own origin.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { ActorSystem } from "../system/actor-system.js";
import { InvalidOptionError, SystemShutDownError } from "../errors.js";
import { loadDashboard, type Asset } from "./dashboard-assets.js";
import { EventStream, deadLetterJson } from "./event-stream.js";
import { Gateway, type Verb } from "./gateway.js";
import { HttpError, badRequest, methodNotAllowed, notFound } from "./http-error.js";
import { MetricsSampler } from "./metrics.js";
import type {
  ActorDetailJson,
  DeadLettersJson,
  MetricsJson,
  StatusJson,
  TreeJson,
} from "./protocol.js";
import {
  resolveServerOptions,
  type HttpServerOptions,
  type ResolvedServerOptions,
} from "./server-options.js";
import { findActor, threadsJson, treeJson, walk } from "./tree-json.js";

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

const PAGE_POLICY =
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Starts the HTTP server for `system` and resolves once it listens.
 *
 * @example
 * const server = await serve(system, { port: 8080 });
 * console.log(`dashboard at ${server.url}`);
 */
export async function serve(system: ActorSystem, options?: HttpServerOptions): Promise<HttpServer> {
  if (!(system instanceof ActorSystem))
    throw new InvalidOptionError("system", "an ActorSystem", system);
  const resolved = resolveServerOptions(options);
  if (system.status !== "running")
    throw new SystemShutDownError(system.name, "Starting the HTTP server");
  const server = new HttpServer(system, resolved);
  await server.listen();
  return server;
}

export class HttpServer {
  readonly #system: ActorSystem;
  readonly #options: ResolvedServerOptions;
  readonly #http: Server;
  readonly #gateway: Gateway | null;
  readonly #sampler: MetricsSampler;
  readonly #stream: EventStream;
  readonly #assets: ReadonlyMap<string, Asset> | null;
  readonly #loopback: boolean;
  #closing: Promise<void> | null = null;

  /** @internal Made by `serve()`. */
  constructor(system: ActorSystem, options: ResolvedServerOptions) {
    this.#system = system;
    this.#options = options;
    this.#gateway = options.gateway === undefined ? null : new Gateway(system, options.gateway);
    this.#sampler = new MetricsSampler(
      system,
      options.metricsInterval,
      options.history,
      (s, snap) => this.#stream.metrics(s, snap),
    );
    this.#stream = new EventStream(system, this.#sampler, {
      maxBufferedBytes: options.maxBufferedBytes,
      heartbeatMs: options.heartbeatInterval,
    });
    this.#assets = options.dashboard ? loadDashboard() : null;
    this.#loopback = isLoopback(options.host);
    this.#http = createServer((request, response) => this.#handle(request, response));
    this.#http.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#upgrade(request, socket, head),
    );
    // A connection-level error (a client that resets) must not become an uncaught exception.
    this.#http.on("clientError", (_error, socket: Duplex) => socket.destroy());
  }

  /** @internal */
  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.#http.once("error", onError);
      this.#http.listen(this.#options.port, this.#options.host, () => {
        this.#http.off("error", onError);
        this.#sampler.start();
        void this.#system.whenTerminated.then(() => this.close());
        resolve();
      });
    });
  }

  /** The address it listens on, e.g. `http://127.0.0.1:43127/`. */
  get url(): string {
    const host = this.host.includes(":") ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}/`;
  }

  get port(): number {
    return (this.#http.address() as AddressInfo).port;
  }

  get host(): string {
    return this.#options.host;
  }

  /** WebSocket clients connected now, and dropped so far for falling behind or not answering pings. */
  get clients(): { readonly connected: number; readonly dropped: number } {
    return { connected: this.#stream.clients, dropped: this.#stream.dropped };
  }

  /**
   * Stops listening, closes WebSocket clients (1001) and open connections, and stops
   * sampling. Idempotent; also runs when the system terminates.
   */
  close(): Promise<void> {
    return (this.#closing ??= new Promise((resolve) => {
      this.#sampler.stop();
      this.#stream.close();
      this.#http.close(() => resolve());
      this.#http.closeIdleConnections();
      // In-flight requests get their answers; keep-alive sockets must not hold the close.
      setTimeout(() => this.#http.closeAllConnections(), 1000).unref();
    }));
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    this.#route(request, response).catch((error: unknown) => {
      const failure =
        error instanceof HttpError
          ? error
          : new HttpError(
              500,
              "ERR_HTTP_INTERNAL",
              `The server failed on this request (${error instanceof Error ? error.message : String(error)}); it keeps serving.`,
            );
      sendJson(response, failure.status, failure.body, failure.headers);
    });
  }

  async #route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.#checkHost(request);
    const url = new URL(request.url ?? "/", "http://localhost");
    const method = request.method ?? "GET";
    if (url.pathname === "/ws")
      throw new HttpError(426, "ERR_HTTP_UPGRADE_REQUIRED", "Open /ws as a WebSocket.", {
        upgrade: "websocket",
      });
    if (!url.pathname.startsWith("/api/")) return this.#page(url.pathname, method, response);
    const segments = url.pathname
      .slice("/api/".length)
      .split("/")
      .filter((s) => s.length > 0)
      .map(decodeSegment);
    const [head, ...rest] = segments;
    if (head === "actors" && method === "POST") return this.#call(request, response, rest);
    if (method !== "GET" && method !== "HEAD")
      throw methodNotAllowed(
        method,
        head === "actors" && rest.length > 0 ? ["GET", "POST"] : ["GET"],
      );
    const body = this.#read(head, rest);
    sendJson(response, 200, body);
  }

  /** The read-only endpoints. */
  #read(head: string | undefined, rest: readonly string[]): unknown {
    const system = this.#system;
    switch (head ?? "") {
      case "status":
        if (rest.length === 0) return this.#status();
        break;
      case "metrics":
        if (rest.length === 0)
          return {
            intervalMs: this.#sampler.intervalMs,
            samples: this.#sampler.history(),
          } satisfies MetricsJson;
        break;
      case "dead-letters":
        if (rest.length === 0)
          return {
            count: system.deadLetters.count,
            recent: system.deadLetters.recent().map((l) => deadLetterJson(l, system.clock)),
          } satisfies DeadLettersJson;
        break;
      case "actors": {
        const tree: TreeJson = treeJson(system.inspect());
        if (rest.length === 0) return tree;
        const path = `/${rest.join("/")}`;
        const actor = findActor(tree.actors, path);
        if (actor === undefined)
          throw notFound(
            `There is no actor at ${path}; GET /api/actors lists them.`,
            "ERR_HTTP_ACTOR_NOT_FOUND",
          );
        return {
          ...actor,
          exposed: this.#gateway?.exposedMethods(path) ?? [],
        } satisfies ActorDetailJson;
      }
      default:
        break; // an unknown endpoint: the 404 below
    }
    throw notFound(
      "No such endpoint; see /api/status, /api/actors, /api/metrics, /api/dead-letters.",
    );
  }

  #status(): StatusJson {
    const system = this.#system;
    const snapshot = system.inspect();
    let actors = 0;
    for (const _ of walk(snapshot.actors)) actors++;
    const memory = process.memoryUsage();
    const latest = this.#sampler.latest;
    return {
      name: snapshot.name,
      status: snapshot.status,
      uptimeMs: Math.round(system.uptime),
      actors,
      deadLetters: snapshot.deadLetters,
      memory: {
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        heapTotal: memory.heapTotal,
        external: memory.external,
      },
      eventLoop: {
        delayP50: latest?.eventLoopDelayP50 ?? 0,
        delayP99: latest?.eventLoopDelayP99 ?? 0,
        utilization: latest?.eventLoopUtilization ?? 0,
      },
      messagesPerSecond: latest?.messagesPerSecond ?? 0,
      threads: threadsJson(snapshot),
      clients: this.#stream.clients,
    };
  }

  /** `POST /api/actors/<path…>/<tell|ask>/<method>`. */
  async #call(
    request: IncomingMessage,
    response: ServerResponse,
    rest: readonly string[],
  ): Promise<void> {
    const verb = rest.at(-2);
    const method = rest.at(-1);
    if (rest.length < 3 || (verb !== "tell" && verb !== "ask") || method === undefined)
      throw notFound(
        "POST goes to /api/actors/<path>/tell/<method> or /api/actors/<path>/ask/<method>.",
      );
    const gateway = this.#gateway;
    if (gateway === null)
      throw notFound(
        "The gateway is off: the application enables it with serve(system, { gateway: { token, expose } }).",
        "ERR_HTTP_GATEWAY_OFF",
      );
    const path = `/${rest.slice(0, -2).join("/")}`;
    const aborted = new AbortController();
    response.once("close", () => {
      if (!response.writableFinished) aborted.abort();
    });
    const answer = await gateway.call(
      request,
      path,
      verb satisfies Verb,
      method,
      this.#options.bodyLimit,
      aborted.signal,
    );
    sendJson(response, answer.status, answer.body);
  }

  #page(pathname: string, method: string, response: ServerResponse): void {
    if (pathname === "/favicon.ico" && this.#assets !== null) {
      // Browsers ask for it on their own; "no icon" is an answer, a 404 would be an error.
      response.writeHead(204, SECURITY_HEADERS).end();
      return;
    }
    const asset = this.#assets?.get(pathname);
    if (asset === undefined) {
      if (pathname === "/" && this.#options.dashboard)
        throw new HttpError(
          503,
          "ERR_HTTP_DASHBOARD_NOT_BUILT",
          "The dashboard page was not built: run `npm run build` (or `npm run build:dashboard`).",
        );
      throw notFound(`Nothing at ${pathname}; the API is under /api/.`);
    }
    if (method !== "GET" && method !== "HEAD") throw methodNotAllowed(method, ["GET"]);
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      "content-type": asset.type,
      "content-length": asset.body.length,
      "cache-control": "no-cache",
      "content-security-policy": PAGE_POLICY,
    });
    response.end(method === "HEAD" ? undefined : asset.body);
  }

  #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => socket.destroy());
    try {
      this.#checkHost(request);
      const url = new URL(request.url ?? "/", "http://localhost");
      if (url.pathname !== "/ws") throw notFound("WebSockets open at /ws.");
      const origin = request.headers.origin;
      if (origin !== undefined && originHost(origin) !== request.headers.host)
        throw new HttpError(
          403,
          "ERR_HTTP_ORIGIN_NOT_ALLOWED",
          `A page from ${origin} may not open this server's event stream.`,
        );
      if (this.#closing !== null)
        throw new HttpError(503, "ERR_HTTP_CLOSING", "The server is closing.");
      this.#stream.upgrade(request, socket, head);
    } catch (error) {
      const failure =
        error instanceof HttpError
          ? error
          : new HttpError(500, "ERR_HTTP_INTERNAL", "The server failed on this upgrade.");
      const text = JSON.stringify(failure.body);
      socket.end(
        `HTTP/1.1 ${failure.status} ${statusText(failure.status)}\r\n` +
          "content-type: application/json; charset=utf-8\r\n" +
          `content-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
      );
    }
  }

  /** DNS-rebinding guard: on loopback, the Host header must name loopback too. */
  #checkHost(request: IncomingMessage): void {
    if (!this.#loopback) return;
    const host = request.headers.host ?? "";
    const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0];
    if (!LOOPBACK_NAMES.has(name ?? ""))
      throw new HttpError(
        403,
        "ERR_HTTP_HOST_NOT_ALLOWED",
        `This server listens on loopback and answers only requests for localhost (Host was "${host}").`,
      );
  }
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  response.end(response.req.method === "HEAD" ? undefined : text);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`The path segment "${segment}" is not valid percent-encoding.`);
  }
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function originHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

function statusText(status: number): string {
  return (
    {
      403: "Forbidden",
      404: "Not Found",
      500: "Internal Server Error",
      503: "Service Unavailable",
    }[status] ?? "Error"
  );
}
