/**
 * `serve(system, options)`: the defaults (loopback, a free port, the URL it reports), each
 * option out of its contract rejected with InvalidOptionError naming the option, the
 * contract and the value (gateway options included), a non-system, a system that has shut
 * down (SystemShutDownError), and a port already taken (the listen error, EADDRINUSE).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Actor, type ActorSystem, SystemShutDownError } from "../../src/index.js";
import type { VirtualClock } from "../../src/testing/index.js";
import { expose, serve, type HttpServer, type HttpServerOptions } from "../../src/http/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";
import { rejectionOf } from "../support/thrown-by.js";
import { TOKEN, api, rejectedOption } from "../support/http.js";

let clock: VirtualClock;
let system: ActorSystem;
const servers: HttpServer[] = [];

beforeEach(() => {
  ({ clock, system } = startVirtualSystem({ name: "opts" }));
});

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  await stopVirtualSystem(system, clock);
});

async function start(options?: HttpServerOptions): Promise<HttpServer> {
  const server = await serve(system, options);
  servers.push(server);
  return server;
}

/** `serve` with options the types would not allow. */
function serveUnchecked(options: unknown): Promise<HttpServer> {
  return serve(system, options as HttpServerOptions);
}

class Counter extends Actor {
  get(): number {
    return 0;
  }
}

describe("defaults", () => {
  it("listens on 127.0.0.1 on a free port and reports its URL", async () => {
    const server = await start();
    expect(server.host).toBe("127.0.0.1");
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(server.clients).toEqual({ connected: 0, dropped: 0 });
    expect((await api(server, "status")).status).toBe(200);
  });

  it("serves several servers for one system, each on its own port", async () => {
    const a = await start();
    const b = await start({ metricsInterval: 500 });
    expect(a.port).not.toBe(b.port);
    expect((await api(a, "metrics")).body).toMatchObject({ intervalMs: 1_000 });
    expect((await api(b, "metrics")).body).toMatchObject({ intervalMs: 500 });
  });

  it("rejects with the listen error when the port is taken", async () => {
    const first = await start();
    const error = await rejectionOf(start({ port: first.port }));
    expect(error).toBeInstanceOf(Error);
    expect((error as NodeJS.ErrnoException).code).toBe("EADDRINUSE");
    expect((await api(first, "status")).status).toBe(200);
  });
});

describe("the system", () => {
  it("must be an ActorSystem", async () => {
    const fake = { name: "fake", status: "running" };
    await rejectedOption(serve(fake as unknown as ActorSystem), "system", "an ActorSystem", fake);
    await rejectedOption(
      serve(undefined as unknown as ActorSystem),
      "system",
      "an ActorSystem",
      undefined,
    );
  });

  it("must not have shut down", async () => {
    await system.shutdown();
    const error = await rejectionOf(serve(system));
    expect(error).toBeInstanceOf(SystemShutDownError);
    expect((error as SystemShutDownError).code).toBe("ERR_SYSTEM_SHUT_DOWN");
    expect((error as SystemShutDownError).message).toBe(
      'Starting the HTTP server failed: actor system "opts" has been shut down; create a new system.',
    );
  });

  it("must not be shutting down", async () => {
    const done = system.shutdown();
    expect(system.status).toBe("shutting-down");
    expect(await rejectionOf(serve(system))).toBeInstanceOf(SystemShutDownError);
    await done;
  });
});

describe("invalid options", () => {
  it("rejects options that are not an object, and unknown keys", async () => {
    await rejectedOption(serveUnchecked(5), "options", "an options object", 5);
    await rejectedOption(serveUnchecked(null), "options", "an options object", null);
    const list: unknown[] = [];
    await rejectedOption(serveUnchecked(list), "options", "an options object", list);
    await rejectedOption(
      serveUnchecked({ prot: 8080 }),
      "options.prot",
      "one of the known options (host, port, gateway, bodyLimit, metricsInterval, history, maxBufferedBytes, heartbeatInterval, dashboard)",
      8080,
    );
  });

  it("rejects a host that is not a non-empty string", async () => {
    const expected = 'a host name or address, e.g. "127.0.0.1"';
    await rejectedOption(serveUnchecked({ host: "" }), "host", expected, "");
    await rejectedOption(serveUnchecked({ host: 127 }), "host", expected, 127);
  });

  it("rejects a port outside 0–65535 or not an integer", async () => {
    const expected = "an integer between 0 and 65535";
    for (const port of [-1, 65_536, 80.5, "8080", NaN])
      await rejectedOption(serveUnchecked({ port }), "port", expected, port);
  });

  it("rejects integer options below their minimum or not integers", async () => {
    const cases: [keyof HttpServerOptions, number, unknown[]][] = [
      ["bodyLimit", 1, [0, -5, 1.5, "64", Infinity]],
      ["metricsInterval", 10, [9, 0, 100.5, "1000"]],
      ["history", 1, [0, 2.5, null]],
      ["maxBufferedBytes", 1, [0, -1, 1e3 + 0.5]],
      ["heartbeatInterval", 10, [9, 0, "30000"]],
    ];
    for (const [option, min, values] of cases)
      for (const value of values)
        await rejectedOption(
          serveUnchecked({ [option]: value }),
          option,
          `an integer ≥ ${min}`,
          value,
        );
  });

  it("rejects a dashboard flag that is not a boolean", async () => {
    await rejectedOption(serveUnchecked({ dashboard: "yes" }), "dashboard", "a boolean", "yes");
    await rejectedOption(serveUnchecked({ dashboard: 1 }), "dashboard", "a boolean", 1);
  });

  it("starts nothing when an option is refused", async () => {
    await rejectedOption(serveUnchecked({ history: 0 }), "history", "an integer ≥ 1", 0);
    expect(clock.pending).toBe(0); // no metrics sampler scheduled
  });
});

describe("invalid gateway options", () => {
  const shape = "{ token, expose, askTimeout? }";
  const tokenContract =
    "a string of at least 16 characters without spaces (generate one, e.g. randomBytes(24).toString('base64url'))";

  it("rejects a gateway that is not an object, and unknown keys", async () => {
    await rejectedOption(serveUnchecked({ gateway: null }), "gateway", shape, null);
    await rejectedOption(serveUnchecked({ gateway: "on" }), "gateway", shape, "on");
    const list: unknown[] = [];
    await rejectedOption(serveUnchecked({ gateway: list }), "gateway", shape, list);
    await rejectedOption(
      serveUnchecked({ gateway: { token: TOKEN, expose: [], tokn: 1 } }),
      "gateway.tokn",
      "one of the known options (token, expose, askTimeout)",
      1,
    );
  });

  it("rejects a short token, one with spaces, or none", async () => {
    await rejectedOption(
      serveUnchecked({ gateway: { token: "short", expose: [] } }),
      "gateway.token",
      tokenContract,
      "5 characters",
    );
    await rejectedOption(
      serveUnchecked({ gateway: { token: "fifteen-chars-x", expose: [] } }),
      "gateway.token",
      tokenContract,
      "15 characters",
    );
    await rejectedOption(
      serveUnchecked({ gateway: { token: "a token with spaces in it", expose: [] } }),
      "gateway.token",
      tokenContract,
      "25 characters",
    );
    await rejectedOption(
      serveUnchecked({ gateway: { expose: [] } }),
      "gateway.token",
      tokenContract,
      undefined,
    );
    await rejectedOption(
      serveUnchecked({ gateway: { token: 1234, expose: [] } }),
      "gateway.token",
      tokenContract,
      1234,
    );
  });

  it("accepts a token of exactly 16 characters", async () => {
    const server = await start({ gateway: { token: "sixteen-chars-xx", expose: [] } });
    expect((await api(server, "status")).status).toBe(200);
  });

  it("rejects expose lists that are not arrays of expose(...) results", async () => {
    const contract = "an array of expose(...) results";
    await rejectedOption(
      serveUnchecked({ gateway: { token: TOKEN } }),
      "gateway.expose",
      contract,
      undefined,
    );
    const plain = [{ path: "/user/c", methods: new Map() }];
    await rejectedOption(
      serveUnchecked({ gateway: { token: TOKEN, expose: plain } }),
      "gateway.expose",
      contract,
      plain,
    );
    const one = expose("c", ["get"]);
    await rejectedOption(
      serveUnchecked({ gateway: { token: TOKEN, expose: one } }),
      "gateway.expose",
      contract,
      one,
    );
  });

  it("rejects an askTimeout that is not a positive finite number", async () => {
    for (const askTimeout of [0, -1, Infinity, NaN, "100"])
      await rejectedOption(
        serveUnchecked({ gateway: { token: TOKEN, expose: [], askTimeout } }),
        "gateway.askTimeout",
        "a number of milliseconds > 0",
        askTimeout,
      );
  });

  it("rejects a method exposed twice for the same actor, by ref and by path", async () => {
    const counter = system.spawn(Counter, { name: "c" });
    await rejectedOption(
      serveUnchecked({
        gateway: { token: TOKEN, expose: [expose(counter, ["get"]), expose("c", ["get"])] },
      }),
      "gateway.expose",
      'each method of an actor exposed once (/user/c "get" is exposed twice)',
      "get",
    );
    expect(clock.pending).toBe(0);
  });
});
