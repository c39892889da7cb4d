/**
 * The HTTP gateway over real loopback HTTP: `POST /api/actors/<path>/tell|ask/<method>`
 * answers 202 / 200 for what the application exposed, and refuses everything else before
 * the actor is reached: gateway off (404), token missing or wrong (401), not exposed (403),
 * unknown actor or method (404), body too large (413, with Content-Length and chunked),
 * malformed JSON, not an array, wrong argument count, refused by `parse` (400), no actor
 * running at the path (503). A call that fails once sent maps to a status: ask timeout 504
 * (in virtual time), full mailbox 503, the handler's error 500 with its code, after which the
 * server and the restarted actor go on answering. The Host guard refuses a foreign host.
 */
import { request as httpRequest } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Actor, type ActorRef, type ActorSystem, child, supervisor } from "../../src/index.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import {
  expose,
  serve,
  type ActorDetailJson,
  type Exposure,
  type HttpServer,
  type HttpServerOptions,
} from "../../src/http/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";
import { gate, openAllGates, type Gate } from "../support/gates.js";
import {
  TOKEN,
  api,
  asReply,
  expectError,
  post,
  rawRequest,
  until,
  type Reply,
} from "../support/http.js";

let clock: VirtualClock;
let system: ActorSystem;
let server: HttpServer | null = null;
/** Opened by `Counter.hang` when it starts; `release` lets it finish. */
let entered: Gate;
let release: Gate;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem({ name: "gw" }));
  entered = gate();
  release = gate();
});

afterEach(async () => {
  openAllGates();
  await server?.close();
  server = null;
  await stopVirtualSystem(system, clock);
});

class DiskError extends Error {
  readonly code = "E_DISK";
  override name = "DiskError";
}

class Counter extends Actor {
  #count = 0;
  /** Calls that reached the actor, refused ones must leave it at 0. */
  #calls = 0;
  inc(): void {
    this.#calls++;
    this.#count++;
  }
  add(n: number): number {
    this.#calls++;
    this.#count += n;
    return this.#count;
  }
  scale(n: number, times = 1): number {
    this.#calls++;
    return n * times;
  }
  sum(...ns: number[]): number {
    this.#calls++;
    return ns.reduce((a, b) => a + b, 0);
  }
  kind(value: unknown): string {
    this.#calls++;
    return typeof value;
  }
  get(): number {
    return this.#count;
  }
  calls(): number {
    return this.#calls;
  }
  secret(): string {
    this.#calls++;
    return "hidden";
  }
  weird(): unknown {
    this.#calls++;
    const reply: Record<string, unknown> = {
      big: 2n ** 70n,
      nan: NaN,
      fn: () => 1,
      when: new Date(0),
    };
    reply["self"] = reply;
    return reply;
  }
  broken(): never {
    this.#calls++;
    throw new DiskError("disk on fire");
  }
  typo(): never {
    throw new TypeError("x is not a function");
  }
  async hang(): Promise<string> {
    this.#calls++;
    entered.open();
    await release.wait;
    return "released";
  }
}

let counter: ActorRef<Counter>;

async function start(
  exposures: (c: ActorRef<Counter>) => Exposure[],
  options: Omit<HttpServerOptions, "gateway"> & { askTimeout?: number } = {},
): Promise<HttpServer> {
  counter = system.spawn(Counter, { name: "c" });
  await flush();
  const { askTimeout, ...rest } = options;
  server = await serve(system, {
    ...rest,
    gateway: {
      token: TOKEN,
      expose: exposures(counter),
      ...(askTimeout === undefined ? {} : { askTimeout }),
    },
  });
  return server;
}

/** Messages that reached the counter. */
async function reached(): Promise<number> {
  return await counter.ask("calls");
}

const ALL = (c: ActorRef<Counter>): Exposure[] => [
  expose(c, ["inc", "add", "get", "kind", "weird", "broken", "typo", "hang", "calls"]),
];

describe("answers", () => {
  it("tells an exposed method: 202 { accepted: true }, and the actor gets the message", async () => {
    await start(ALL);
    const reply = await post(server!, "actors/user/c/tell/inc", { token: TOKEN });
    expect(reply.status).toBe(202);
    expect(reply.body).toEqual({ accepted: true });
    await flush();
    expect(await counter.ask("get")).toBe(1);
  });

  it("asks an exposed method: 200 { reply } with the arguments of the JSON array", async () => {
    await start(ALL);
    const reply = await post(server!, "actors/user/c/ask/add", { token: TOKEN, body: [41] });
    expect(reply).toMatchObject({ status: 200, body: { reply: 41 } });
    expect(reply.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await counter.ask("get")).toBe(41);
  });

  it("takes an empty body as no arguments", async () => {
    await start(ALL);
    expect((await post(server!, "actors/user/c/ask/get", { token: TOKEN })).body).toEqual({
      reply: 0,
    });
    expect(
      (await post(server!, "actors/user/c/ask/get", { token: TOKEN, body: " \n" })).body,
    ).toEqual({ reply: 0 });
  });

  it("makes a reply JSON-safe: bigints, NaN, functions, dates and cycles", async () => {
    await start(ALL);
    const reply = await post(server!, "actors/user/c/ask/weird", { token: TOKEN });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      reply: {
        big: "1180591620717411303424n",
        nan: "NaN",
        fn: "[Function fn]",
        when: "1970-01-01T00:00:00.000Z",
        self: "[Circular]",
      },
    });
  });

  it("accepts the scheme name in any case", async () => {
    await start(ALL);
    const reply = await post(server!, "actors/user/c/ask/get", {
      headers: { authorization: `bearer   ${TOKEN}` },
    });
    expect(reply).toMatchObject({ status: 200, body: { reply: 0 } });
  });

  it("reaches a supervision-tree child exposed by its path", async () => {
    const app = system.start(supervisor({ name: "app" }, [child(Counter, { name: "worker" })]));
    await app.ask("children");
    await start(() => [expose("app/worker", ["add"]), expose("/user/app", ["children"])]);
    expect(
      (await post(server!, "actors/user/app/worker/ask/add", { token: TOKEN, body: [3] })).body,
    ).toEqual({ reply: 3 });
    expect((await post(server!, "actors/user/app/ask/children", { token: TOKEN })).body).toEqual({
      reply: ["/user/app/worker"],
    });
  });

  it("looks an exposed path up on each call: an actor started later is reached", async () => {
    await start(() => [expose("later", ["add"])]);
    expectError(
      await post(server!, "actors/user/later/ask/add", { token: TOKEN, body: [1] }),
      503,
      "ERR_ACTOR_STOPPED",
      "No actor runs at /user/later now (it stopped or has not started yet); retry later.",
    );
    const later = system.spawn(Counter, { name: "later" });
    await flush();
    expect(
      (await post(server!, "actors/user/later/ask/add", { token: TOKEN, body: [2] })).body,
    ).toEqual({ reply: 2 });
    expect(await later.ask("calls")).toBe(1);
  });

  it("decodes a percent-encoded actor name in the call's path", async () => {
    const odd = system.spawn(Counter, { name: "a:b@c" });
    await start(() => [expose(odd, ["add"])]);
    const reply = await post(server!, `actors/user/${encodeURIComponent("a:b@c")}/ask/add`, {
      token: TOKEN,
      body: [7],
    });
    expect(reply.body).toEqual({ reply: 7 });
  });
});

describe("the token", () => {
  it("answers 404 when the gateway is off, and the actor is not reached", async () => {
    counter = system.spawn(Counter, { name: "c" });
    server = await serve(system);
    expectError(
      await post(server, "actors/user/c/tell/inc", { token: TOKEN }),
      404,
      "ERR_HTTP_GATEWAY_OFF",
      "The gateway is off: the application enables it with serve(system, { gateway: { token, expose } }).",
    );
    expect(await reached()).toBe(0);
  });

  it("answers 401 with WWW-Authenticate when the token is missing", async () => {
    await start(ALL);
    const reply = await post(server!, "actors/user/c/tell/inc");
    expectError(
      reply,
      401,
      "ERR_HTTP_UNAUTHORIZED",
      "This endpoint needs the gateway's token: send the header Authorization: Bearer <token>.",
    );
    expect(reply.headers.get("www-authenticate")).toBe('Bearer realm="troupe"');
    expect(await reached()).toBe(0);
  });

  it("answers 401 for a wrong or malformed token", async () => {
    await start(ALL);
    for (const authorization of [
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      "Bearer wrong-token-of-some-length",
      `Basic ${TOKEN}`,
      "Bearer",
      `Bearer ${TOKEN} extra`,
      TOKEN,
    ]) {
      const reply = await post(server!, "actors/user/c/tell/inc", { headers: { authorization } });
      expectError(
        reply,
        401,
        "ERR_HTTP_UNAUTHORIZED",
        "The token is wrong or malformed: send Authorization: Bearer <token> with the token the application configured.",
      );
      expect(reply.headers.get("www-authenticate")).toBe('Bearer realm="troupe"');
    }
    expect(await reached()).toBe(0);
  });

  it("checks the token before telling anything about actors or the body", async () => {
    await start(() => [expose(counter, ["get"])]);
    for (const path of [
      "actors/user/ghost/ask/get",
      "actors/user/c/ask/secret",
      "actors/user/c/ask/nope",
    ])
      expectError(await post(server!, path), 401, "ERR_HTTP_UNAUTHORIZED", "Bearer <token>");
    expectError(
      await post(server!, "actors/user/c/ask/get", { body: "x".repeat(100_000) }),
      401,
      "ERR_HTTP_UNAUTHORIZED",
      "Bearer <token>",
    );
  });
});

describe("what is exposed", () => {
  it("answers 403 for an actor that is not exposed", async () => {
    await start(() => []);
    expectError(
      await post(server!, "actors/user/c/tell/inc", { token: TOKEN }),
      403,
      "ERR_HTTP_NOT_EXPOSED",
      "The actor at /user/c is not exposed to the gateway; the application must list it with expose(...).",
    );
    expect(await reached()).toBe(0);
  });

  it("answers 403 for a method of an exposed actor that is not exposed", async () => {
    await start((c) => [expose(c, ["get", "inc"])]);
    expectError(
      await post(server!, "actors/user/c/ask/secret", { token: TOKEN }),
      403,
      "ERR_HTTP_NOT_EXPOSED",
      '"secret" of /user/c is not exposed to the gateway; exposed: get, inc.',
    );
    expect(await reached()).toBe(0);
  });

  it("answers 404 for a method the exposed actor does not have", async () => {
    await start((c) => [expose(c, ["get"])]);
    expectError(
      await post(server!, "actors/user/c/ask/nope", { token: TOKEN }),
      404,
      "ERR_HTTP_UNKNOWN_METHOD",
      'The actor at /user/c has no exposed message "nope"; exposed: get.',
    );
  });

  it("answers 404 for an exposed name the actor at the path does not have", async () => {
    await start(() => [expose("c", ["nope", "inc"])]);
    expectError(
      await post(server!, "actors/user/c/ask/nope", { token: TOKEN }),
      404,
      "ERR_HTTP_UNKNOWN_METHOD",
      'The actor at /user/c has no message "nope"; check the exposed method names.',
    );
    expect(await reached()).toBe(0);
  });

  it("answers 404 for an actor that does not exist", async () => {
    await start(ALL);
    expectError(
      await post(server!, "actors/user/ghost/tell/inc", { token: TOKEN }),
      404,
      "ERR_HTTP_ACTOR_NOT_FOUND",
      "There is no actor at /user/ghost.",
    );
  });

  it("answers 404 for a POST that is not …/tell/<method> or …/ask/<method>", async () => {
    await start(ALL);
    for (const path of [
      "actors/user/c/inc",
      "actors/user/c/call/inc",
      "actors/tell/inc",
      "actors/user/c/tell/",
    ])
      expectError(
        await post(server!, path, { token: TOKEN }),
        404,
        "ERR_HTTP_NOT_FOUND",
        "POST goes to /api/actors/<path>/tell/<method> or /api/actors/<path>/ask/<method>.",
      );
    expect(await reached()).toBe(0);
  });

  it("answers 503 with Retry-After when the exposed actor has stopped", async () => {
    await start(ALL);
    await system.stop(counter);
    const reply = await post(server!, "actors/user/c/ask/get", { token: TOKEN });
    expectError(reply, 503, "ERR_ACTOR_STOPPED", "No actor runs at /user/c now");
    expect(reply.headers.get("retry-after")).toBe("1");
    expect(system.deadLetters.count).toBe(0);
  });

  it("lists the exposed methods in the actor's detail", async () => {
    await start((c) => [expose(c, ["get", "inc"])]);
    expect(((await api(server!, "actors/user/c")).body as ActorDetailJson).exposed).toEqual([
      "get",
      "inc",
    ]);
  });
});

describe("the body", () => {
  it("answers 413 for a Content-Length over bodyLimit, before reading it", async () => {
    await start(ALL, { bodyLimit: 100 });
    const body = JSON.stringify([1, "x".repeat(200)]);
    expectError(
      await post(server!, "actors/user/c/tell/add", { token: TOKEN, body }),
      413,
      "ERR_HTTP_BODY_TOO_LARGE",
      "The request body is larger than 100 bytes; send less, or raise the server's bodyLimit.",
    );
    expect(await reached()).toBe(0);
  });

  it("accepts a body of exactly bodyLimit bytes", async () => {
    await start((c) => [expose(c, { kind: { args: 1 } })], { bodyLimit: 100 });
    const body = JSON.stringify(["x".repeat(96)]);
    expect(Buffer.byteLength(body)).toBe(100);
    expect((await post(server!, "actors/user/c/ask/kind", { token: TOKEN, body })).body).toEqual({
      reply: "string",
    });
  });

  it("answers 413 to a chunked body as soon as it passes bodyLimit, without waiting for its end", async () => {
    await start(ALL, { bodyLimit: 100 });
    const raw = await rawRequest(server!, {
      method: "POST",
      path: "/api/actors/user/c/tell/add",
      headers: {
        authorization: `Bearer ${TOKEN}`,
        "content-type": "application/json",
        "transfer-encoding": "chunked",
      },
      chunks: ["[1,", `"${"x".repeat(60)}`, `${"x".repeat(60)}`],
      end: false, // the request never ends: only the limit can answer it
    });
    expect(raw.headers["content-length"]).toBeDefined();
    expect(raw.headers["connection"]).toBe("close");
    expectError(
      asReply(raw),
      413,
      "ERR_HTTP_BODY_TOO_LARGE",
      "The request body is larger than 100 bytes",
    );
    expect(await reached()).toBe(0);
  });

  it("answers 400 for a body that is not JSON", async () => {
    await start(ALL);
    expectError(
      await post(server!, "actors/user/c/tell/add", { token: TOKEN, body: "[1," }),
      400,
      "ERR_HTTP_MALFORMED_JSON",
      'send a JSON array of arguments, e.g. [1, "a"].',
    );
    expect(await reached()).toBe(0);
  });

  it("answers 400 for JSON that is not an array, naming what it got", async () => {
    await start(ALL);
    for (const [body, got] of [
      ['{"n":1}', "object"],
      ["null", "null"],
      ["5", "number"],
      ['"5"', "string"],
    ] as const)
      expectError(
        await post(server!, "actors/user/c/tell/add", { token: TOKEN, body }),
        400,
        "ERR_HTTP_ARGS_NOT_ARRAY",
        `The body must be a JSON array of arguments, e.g. [1, "a"]; got ${got}.`,
      );
    expect(await reached()).toBe(0);
  });
});

describe("arguments", () => {
  async function argumentCount(path: string, body: unknown[], says: string): Promise<void> {
    expectError(
      await post(server!, path, { token: TOKEN, body }),
      400,
      "ERR_HTTP_ARGUMENT_COUNT",
      says,
    );
  }

  it("counts arguments against the handler's declared parameters by default", async () => {
    await start(ALL);
    await argumentCount("actors/user/c/tell/add", [], '"add" of /user/c takes 1 argument; got 0.');
    await argumentCount(
      "actors/user/c/ask/add",
      [1, 2],
      "takes 1 argument; got 2. Send them as a JSON array.",
    );
    await argumentCount(
      "actors/user/c/tell/inc",
      [5],
      '"inc" of /user/c takes 0 arguments; got 1.',
    );
    expect(await reached()).toBe(0);
  });

  it("counts against an `args` rule: exactly n, [min, max], [min, Infinity]", async () => {
    await start((c) => [
      expose(c, { scale: { args: [1, 2] }, sum: { args: [1, Infinity] }, add: { args: 1 } }),
    ]);
    expect(
      (await post(server!, "actors/user/c/ask/scale", { token: TOKEN, body: [3] })).body,
    ).toEqual({
      reply: 3,
    });
    expect(
      (await post(server!, "actors/user/c/ask/scale", { token: TOKEN, body: [3, 4] })).body,
    ).toEqual({ reply: 12 });
    await argumentCount("actors/user/c/ask/scale", [1, 2, 3], "takes 1 to 2 arguments; got 3.");
    await argumentCount("actors/user/c/ask/scale", [], "takes 1 to 2 arguments; got 0.");
    expect(
      (await post(server!, "actors/user/c/ask/sum", { token: TOKEN, body: [1, 2, 3, 4] })).body,
    ).toEqual({ reply: 10 });
    await argumentCount("actors/user/c/ask/sum", [], "takes at least 1 argument; got 0.");
    expect(await reached()).toBe(3);
  });

  it("answers 400 when parse refuses the arguments, with parse's message", async () => {
    await start((c) => [
      expose(c, {
        add: {
          parse: ([n]): [number] => {
            if (typeof n !== "number") throw new TypeError("n must be a number");
            return [n];
          },
        },
      }),
    ]);
    expectError(
      await post(server!, "actors/user/c/ask/add", { token: TOKEN, body: ["5"] }),
      400,
      "ERR_HTTP_INVALID_ARGUMENTS",
      'The arguments of "add" were refused: n must be a number',
    );
    expect(await reached()).toBe(0);
  });

  it("passes the arguments parse returns", async () => {
    await start((c) => [expose(c, { kind: { parse: ([v]) => [Number(v)] as [number] } })]);
    const reply = await post(server!, "actors/user/c/ask/kind", { token: TOKEN, body: ["5"] });
    expect(reply.body).toEqual({ reply: "number" });
  });

  it("answers 400 when parse returns something other than an array", async () => {
    await start((c) => [expose(c, { kind: { parse: () => "oops" as unknown as [unknown] } })]);
    expectError(
      await post(server!, "actors/user/c/ask/kind", { token: TOKEN, body: [1] }),
      400,
      "ERR_HTTP_INVALID_ARGUMENTS",
      "parse must return an array of arguments; it returned string",
    );
    expect(await reached()).toBe(0);
  });

  it("runs parse after the count check", async () => {
    let parsed = 0;
    await start((c) => [
      expose(c, {
        add: {
          parse: (args) => {
            parsed++;
            return args as [number];
          },
        },
      }),
    ]);
    await argumentCount("actors/user/c/ask/add", [1, 2], "takes 1 argument; got 2.");
    expect(parsed).toBe(0);
  });
});

describe("failures once sent", () => {
  it("answers 504 when the reply does not come within the gateway's askTimeout (virtual time)", async () => {
    await start(ALL, { askTimeout: 200 });
    const pending = post(server!, "actors/user/c/ask/hang", { token: TOKEN });
    await entered.wait;
    await clock.advance(200);
    const reply = await pending;
    expectError(reply, 504, "ERR_ASK_TIMEOUT", 'Ask "hang" to /user/c timed out after 200 ms');
    release.open();
  });

  it("falls back on the system's askTimeout", async () => {
    await stopVirtualSystem(system, clock);
    ({ clock, system } = startVirtualSystem({ name: "gw", askTimeout: 300 }));
    await start(ALL);
    const pending = post(server!, "actors/user/c/ask/hang", { token: TOKEN });
    await entered.wait;
    await clock.advance(300);
    expectError(await pending, 504, "ERR_ASK_TIMEOUT", "timed out after 300 ms");
  });

  it("answers 503 with the mailbox's code when a bounded mailbox is full", async () => {
    counter = system.spawn(Counter, { name: "c", mailbox: { capacity: 1, overflow: "reject" } });
    server = await serve(system, { gateway: { token: TOKEN, expose: ALL(counter) } });
    void counter.ask("hang");
    await entered.wait;
    counter.tell("inc"); // fills the mailbox
    const reply = await post(server, "actors/user/c/tell/inc", { token: TOKEN });
    expect(reply.status).toBe(503);
    expect((reply.body as { error: { code: string } }).error.code).toBe("ERR_MAILBOX_FULL");
    expect(reply.headers.get("retry-after")).toBe("1");
    release.open();
    await flush();
    expect(await counter.ask("get")).toBe(1);
  });

  it("withdraws a queued ask when its caller goes away, so the actor never runs it", async () => {
    await start(ALL);
    void counter.ask("hang"); // keeps the actor busy
    await entered.wait;
    const mailbox = (): number => system.inspect().actors[0]?.mailbox ?? -1;
    const request = httpRequest({
      host: "127.0.0.1",
      port: server!.port,
      method: "POST",
      path: "/api/actors/user/c/ask/add",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      agent: false,
    });
    request.on("error", () => {}); // destroyed below, on purpose
    request.end("[5]");
    await until(() => mailbox() === 1, "the gateway's ask to queue behind hang");
    request.destroy();
    await until(() => mailbox() === 0, "the ask to be withdrawn");
    release.open();
    expect(await counter.ask("get")).toBe(0);
    expect(await reached()).toBe(1); // hang only
  });

  it("answers 500 with the handler's error code and name, then keeps serving the restarted actor", async () => {
    await start(ALL);
    await post(server!, "actors/user/c/ask/add", { token: TOKEN, body: [5] });
    const failed: Reply = await post(server!, "actors/user/c/ask/broken", { token: TOKEN });
    expect(failed.status).toBe(500);
    expect(failed.body).toEqual({
      error: { status: 500, code: "E_DISK", message: "disk on fire", name: "DiskError" },
    });
    // The server goes on, and so does the actor, restarted with fresh state.
    const after = await post(server!, "actors/user/c/ask/get", { token: TOKEN });
    expect(after).toMatchObject({ status: 200, body: { reply: 0 } });
    expect(((await api(server!, "actors/user/c")).body as ActorDetailJson).restarts).toBe(1);
  });

  it("answers 500 with ERR_HTTP_HANDLER_FAILED for an error without a code", async () => {
    await start(ALL);
    const failed = await post(server!, "actors/user/c/ask/typo", { token: TOKEN });
    expect(failed.body).toEqual({
      error: {
        status: 500,
        code: "ERR_HTTP_HANDLER_FAILED",
        message: "x is not a function",
        name: "TypeError",
      },
    });
  });

  it("accepts a tell whose handler fails later: the failure is the actor's, not the caller's", async () => {
    await start(ALL);
    const reply = await post(server!, "actors/user/c/tell/broken", { token: TOKEN });
    expect(reply).toMatchObject({ status: 202, body: { accepted: true } });
    await flush();
    expect(((await api(server!, "actors/user/c")).body as ActorDetailJson).restarts).toBe(1);
  });
});

describe("the Host guard", () => {
  it("answers 403 to a request naming a foreign host, and the actor is not reached", async () => {
    await start(ALL);
    const raw = await rawRequest(server!, {
      method: "POST",
      path: "/api/actors/user/c/tell/inc",
      headers: { host: "evil.example", authorization: `Bearer ${TOKEN}` },
    });
    expectError(
      asReply(raw),
      403,
      "ERR_HTTP_HOST_NOT_ALLOWED",
      'This server listens on loopback and answers only requests for localhost (Host was "evil.example").',
    );
    await flush();
    expect(await reached()).toBe(0);
  });

  it("refuses a foreign host on the read-only endpoints too, and accepts loopback names", async () => {
    await start(ALL);
    for (const host of ["evil.example", `evil.example:${server!.port}`, "127.0.0.1.evil.example"])
      expect(
        (await rawRequest(server!, { path: "/api/status", headers: { host } })).status,
        host,
      ).toBe(403);
    for (const host of [`localhost:${server!.port}`, "127.0.0.1", `[::1]:${server!.port}`])
      expect(
        (await rawRequest(server!, { path: "/api/status", headers: { host } })).status,
        host,
      ).toBe(200);
  });
});
