/**
 * The WebSocket `/ws` over real loopback sockets: a `hello` first (tree, metrics history,
 * dead letters), then system events as they happen (started, failed, restarted with its
 * count, stopped, dead letters with JSON-safe arguments) and a metrics tick each time the
 * virtual clock passes `metricsInterval`. Refusals: a foreign Origin or Host (403). Ends:
 * closing the server or shutting the system down closes clients with 1001; a client that
 * does not answer pings is dropped after two heartbeats; a client that stops reading is cut
 * once `maxBufferedBytes` wait for it, while a fast client receives every event.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ClientOptions } from "ws";
import { Actor, type ActorRef, type ActorSystem } from "../../src/index.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import {
  serve,
  type HelloMessage,
  type HttpServer,
  type HttpServerOptions,
  type StatusJson,
} from "../../src/http/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";
import {
  StreamClient,
  api,
  eventNamed,
  isMetrics,
  refusedUpgrade,
  until,
} from "../support/http.js";

let clock: VirtualClock;
let system: ActorSystem;
let server: HttpServer | null = null;
const clients: StreamClient[] = [];

beforeEach(() => {
  ({ clock, system } = startVirtualSystem({ name: "streamed" }));
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  await server?.close();
  server = null;
  await stopVirtualSystem(system, clock);
});

async function start(options?: HttpServerOptions): Promise<HttpServer> {
  server = await serve(system, options);
  return server;
}

async function connect(options?: ClientOptions): Promise<StreamClient> {
  const client = await StreamClient.open(server!, options);
  clients.push(client);
  return client;
}

class Echo extends Actor {
  #failures = 0;
  echo(value: unknown): unknown {
    return value;
  }
  boom(): never {
    this.#failures++;
    throw Object.assign(new RangeError(`boom ${this.#failures}`), { code: "E_BOOM" });
  }
}

/** A ref whose messages the type system does not check (to send odd arguments). */
function loose(ref: ActorRef<Echo>): { tell(method: string, ...args: unknown[]): void } {
  return ref;
}

describe("hello", () => {
  it("sends hello first: the tree, the metrics history and the dead letters", async () => {
    const echo = system.spawn(Echo, { name: "e" });
    await flush();
    await start({ metricsInterval: 1_000 });
    await clock.advance(2_000);
    await system.stop(echo);
    echo.tell("echo", 1);
    const client = await connect();
    const hello = await client.next((m): m is HelloMessage => m.type === "hello");
    expect(client.messages[0]).toBe(hello);
    expect(hello.intervalMs).toBe(1_000);
    expect(hello.tree).toEqual({ name: "streamed", status: "running", deadLetters: 1, actors: [] });
    expect(hello.history).toHaveLength(2);
    expect(hello.history[0]).toMatchObject({ actors: 1, deadLetters: 0 });
    expect(hello.deadLetters).toEqual({
      count: 1,
      recent: [
        {
          recipient: "/user/e",
          method: "echo",
          args: [1],
          reason: "actor-stopped",
          at: expect.any(Number) as unknown,
        },
      ],
    });
  });

  it("counts connected clients in /api/status", async () => {
    await start();
    await connect();
    await connect();
    expect(((await api(server!, "status")).body as StatusJson).clients).toBe(2);
    expect(server!.clients).toEqual({ connected: 2, dropped: 0 });
  });
});

describe("events", () => {
  it("forwards started, failed, restarted (with the count), stopped and deadLetter", async () => {
    await start();
    const client = await connect();
    const echo = system.spawn(Echo, { name: "e" });
    expect((await client.next(eventNamed("started", "/user/e"))).data).toEqual({ path: "/user/e" });

    echo.tell("boom");
    expect((await client.next(eventNamed("failed", "/user/e"))).data).toEqual({
      path: "/user/e",
      phase: "handler",
      method: "boom",
      error: { name: "RangeError", message: "boom 1", code: "E_BOOM" },
    });
    const first = await client.next(eventNamed("restarted", "/user/e"));
    expect(first.data).toMatchObject({ path: "/user/e", restarts: 1, attempt: 1, delayMs: 0 });
    expect(first.data.error).toEqual({ name: "RangeError", message: "boom 1", code: "E_BOOM" });
    echo.tell("boom");
    expect((await client.next(eventNamed("restarted", "/user/e"))).data.restarts).toBe(2);

    await system.stop(echo);
    expect((await client.next(eventNamed("stopped", "/user/e"))).data).toEqual({
      path: "/user/e",
      reason: "stopped",
    });

    const cycle: Record<string, unknown> = { n: 1n };
    cycle["self"] = cycle;
    loose(echo).tell("echo", cycle, "y".repeat(250), () => 0);
    const letter = await client.next(eventNamed("deadLetter"));
    expect(letter.data).toEqual({
      recipient: "/user/e",
      method: "echo",
      args: [
        { n: "1n", self: "[Circular]" },
        `${"y".repeat(200)}…(+50 chars)`,
        "[Function anonymous]",
      ],
      reason: "actor-stopped",
      at: expect.any(Number) as unknown,
    });
    expect(typeof letter.at).toBe("number");
  });

  it("forwards a dead letter whose arguments cannot be read, and greets new clients after it", async () => {
    await start();
    const client = await connect();
    const echo = system.spawn(Echo, { name: "e" });
    await system.stop(echo);
    const disposed = {
      id: 7,
      get handle(): never {
        throw new Error("disposed");
      },
    };
    loose(echo).tell("echo", disposed);
    const letter = await client.next(eventNamed("deadLetter"));
    expect(letter.data.args).toEqual([{ id: 7, handle: "[Unreadable]" }]);
    const late = await connect();
    const hello = await late.next((m): m is HelloMessage => m.type === "hello");
    expect(hello.deadLetters.recent.map((l) => l.args)).toEqual([
      [{ id: 7, handle: "[Unreadable]" }],
    ]);
  });

  it("sends every client the same events", async () => {
    await start();
    const a = await connect();
    const b = await connect();
    system.spawn(Echo, { name: "e" });
    await a.next(eventNamed("started", "/user/e"));
    await b.next(eventNamed("started", "/user/e"));
    expect(a.events("started")).toEqual(b.events("started"));
  });

  it("listens to the system only while a client is connected", async () => {
    await start();
    expect(system.events.listenerCount("deadLetter")).toBe(0);
    const client = await connect();
    expect(system.events.listenerCount("deadLetter")).toBe(1);
    client.terminate();
    await client.closed;
    await until(() => server!.clients.connected === 0, "the server to see the client leave");
    expect(system.events.listenerCount("deadLetter")).toBe(0);
    expect(server!.clients.dropped).toBe(0);
  });
});

describe("metrics", () => {
  it("sends a metrics tick with the sample and the tree each time the virtual clock passes an interval", async () => {
    const echo = system.spawn(Echo, { name: "e" });
    await start({ metricsInterval: 250 });
    const client = await connect();
    for (let i = 0; i < 10; i++) echo.tell("echo", i);
    await flush();
    await clock.advance(250);
    const tick = await client.next(isMetrics);
    expect(tick.sample).toMatchObject({ messagesPerSecond: 40, actors: 1, mailboxes: 0 });
    expect(tick.tree.actors.map((a) => a.path)).toEqual(["/user/e"]);
    await clock.advance(500);
    await client.next(isMetrics);
    await client.next(isMetrics);
    expect(client.messages.filter(isMetrics)).toHaveLength(3);
  });
});

describe("refusals", () => {
  it("refuses a WebSocket opened from a foreign Origin with 403", async () => {
    await start();
    const refused = await refusedUpgrade(server!, { origin: "http://evil.example" });
    expect(refused).toEqual({
      status: 403,
      body: {
        error: {
          status: 403,
          code: "ERR_HTTP_ORIGIN_NOT_ALLOWED",
          message: "A page from http://evil.example may not open this server's event stream.",
        },
      },
    });
    expect(server!.clients.connected).toBe(0);
  });

  it("accepts a WebSocket opened from the server's own origin", async () => {
    await start();
    const client = await connect({ origin: server!.url.slice(0, -1) });
    await client.next((m) => m.type === "hello");
  });

  it("refuses an upgrade naming a foreign Host with 403", async () => {
    await start();
    const refused = await refusedUpgrade(server!, { headers: { host: "evil.example" } });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: "ERR_HTTP_HOST_NOT_ALLOWED" } });
    expect(server!.clients.connected).toBe(0);
  });
});

describe("closing", () => {
  it("closes clients with 1001 when the server closes", async () => {
    await start();
    const a = await connect();
    const b = await connect();
    await server!.close();
    expect(await a.closed).toEqual({ code: 1001, reason: "server closing" });
    expect(await b.closed).toEqual({ code: 1001, reason: "server closing" });
    expect(server!.close()).toBe(server!.close()); // idempotent
  });

  it("closes by itself when the system shuts down", async () => {
    await start();
    const url = server!.url;
    const client = await connect();
    await system.shutdown();
    expect(await client.closed).toEqual({ code: 1001, reason: "server closing" });
    await server!.close();
    const refused = await fetch(`${url}api/status`).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(TypeError);
    expect((refused as TypeError & { cause: { code?: string } }).cause.code).toBe("ECONNREFUSED");
  });
});

describe("heartbeat", () => {
  it("drops a client that does not answer pings, keeps one that does", async () => {
    await start({ heartbeatInterval: 1_000, metricsInterval: 60_000 });
    const live = await connect();
    const silent = await connect({ autoPong: false });
    const pinged = (client: StreamClient): Promise<void> =>
      new Promise((resolve) => client.socket.once("ping", () => resolve()));

    const livePinged = pinged(live);
    const silentPinged = pinged(silent);
    await clock.advance(1_000); // first heartbeat: both pinged
    await Promise.all([livePinged, silentPinged]);
    // `live` answered its ping before the event fired; the server has read that pong once
    // it has answered a ping sent after it on the same connection.
    const pong = new Promise<void>((resolve) => live.socket.once("pong", () => resolve()));
    live.socket.ping();
    await pong;
    expect(server!.clients.dropped).toBe(0);

    await clock.advance(1_000); // second heartbeat: `silent` never answered
    expect(server!.clients.dropped).toBe(1);
    expect((await silent.closed).code).toBe(1006);
    await until(() => server!.clients.connected === 1, "the server to forget the silent client");
    expect(live.socket.readyState).toBe(live.socket.OPEN);
  });
});

describe("a slow client", () => {
  it("is cut once maxBufferedBytes wait for it, while a fast client gets every event", async () => {
    await start({ maxBufferedBytes: 16 * 1024, metricsInterval: 60_000 });
    const fast = await connect();
    const slow = await connect();
    await slow.next((m) => m.type === "hello");
    slow.socket.pause(); // stops reading: the bytes for it pile up in the kernel, then the server

    const stopped = system.spawn(Echo, { name: "gone" });
    await system.stop(stopped);
    await fast.next(eventNamed("stopped", "/user/gone"));
    // 20 × 20 strings of 200 characters: the largest args a dead-letter preview keeps (~80 KB).
    const big = Array.from({ length: 20 }, () => Array.from({ length: 20 }, () => "z".repeat(200)));
    let sent = 0;
    for (let i = 0; i < 500 && server!.clients.dropped === 0; i++) {
      loose(stopped).tell("echo", big);
      sent++;
      await fast.next(eventNamed("deadLetter"));
      await flush(); // lets the server's write to `fast` complete before the next broadcast
    }
    expect(server!.clients.dropped, `no drop after ${sent} events`).toBe(1);

    expect(fast.events("deadLetter")).toHaveLength(sent);
    expect(fast.events("deadLetter").every((e) => e.data.args.length === 1)).toBe(true);
    slow.socket.resume(); // reads what reached it, then sees the connection end
    expect((await slow.closed).code).toBe(1006);
    await until(() => server!.clients.connected === 1, "the server to forget the slow client");
    expect(fast.socket.readyState).toBe(fast.socket.OPEN);
    expect(slow.events("deadLetter").length).toBeLessThan(sent);

    loose(stopped).tell("echo", "after");
    expect((await fast.next(eventNamed("deadLetter"))).data.args).toEqual(["after"]);
  });
});
