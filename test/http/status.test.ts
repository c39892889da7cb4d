/**
 * The read-only status API of troupe/http over real loopback HTTP: `/api/status` (uptime in
 * the system's virtual time, actors counted through the whole tree, memory, event loop,
 * messages per second, the thread pool once it has started), `/api/actors` and one actor's
 * detail, `/api/metrics` sampled on the virtual clock, `/api/dead-letters`, and how the
 * router refuses: unknown endpoints and actors (404), wrong methods (405 with Allow),
 * `/ws` without an upgrade (426), malformed percent-encoding (400).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Actor, type ActorSystem, child, supervisor } from "../../src/index.js";
import { flush, type VirtualClock } from "../../src/testing/index.js";
import {
  expose,
  serve,
  type ActorDetailJson,
  type DeadLettersJson,
  type HttpServer,
  type HttpServerOptions,
  type MetricsJson,
  type StatusJson,
  type TreeJson,
} from "../../src/http/index.js";
import { startVirtualSystem, stopVirtualSystem } from "../support/virtual-system.js";
import { TOKEN, api, expectError, page } from "../support/http.js";
import { tasks } from "../support/threads.js";

let clock: VirtualClock;
let system: ActorSystem;
let server: HttpServer | null = null;

beforeEach(() => {
  ({ clock, system } = startVirtualSystem({ name: "observed" }));
});

afterEach(async () => {
  await server?.close();
  server = null;
  await stopVirtualSystem(system, clock);
});

async function start(options?: HttpServerOptions): Promise<HttpServer> {
  server = await serve(system, options);
  return server;
}

class Counter extends Actor {
  #count = 0;
  inc(): void {
    this.#count++;
  }
  get(): number {
    return this.#count;
  }
}

class Worker extends Actor {
  work(): string {
    return "done";
  }
}

/** app → worker, pool → (w1, w2): five actors, two levels of children. */
async function startTree(): Promise<void> {
  const app = system.start(
    supervisor({ name: "app" }, [
      child(Worker, { name: "worker" }),
      supervisor({ name: "pool" }, [child(Worker, { name: "w1" }), child(Worker, { name: "w2" })]),
    ]),
  );
  await app.ask("children");
  await flush();
}

describe("GET /api/status", () => {
  it("reports the system's name, status and uptime in the system's own (virtual) time", async () => {
    await clock.advance(1_234);
    const { status, body, headers } = await api(await start(), "status");
    expect(status).toBe(200);
    expect(headers.get("cache-control")).toBe("no-store");
    expect(headers.get("x-content-type-options")).toBe("nosniff");
    const json = body as StatusJson;
    expect(json).toMatchObject({ name: "observed", status: "running", uptimeMs: 1_234 });
    await clock.advance(766);
    expect((await api(server!, "status")).body).toMatchObject({ uptimeMs: 2_000 });
  });

  it("counts every actor of the tree, nested children included", async () => {
    await startTree();
    system.spawn(Counter, { name: "c" });
    await flush();
    const json = (await api(await start(), "status")).body as StatusJson;
    expect(json.actors).toBe(6);
  });

  it("reports dead letters, memory, WebSocket clients and zeros before the first sample", async () => {
    const ref = system.spawn(Counter, { name: "c" });
    await system.stop(ref);
    ref.tell("inc");
    ref.tell("inc");
    const json = (await api(await start(), "status")).body as StatusJson;
    expect(json.deadLetters).toBe(2);
    expect(json.clients).toBe(0);
    expect(json.memory.rss).toBeGreaterThan(0);
    expect(json.memory.heapUsed).toBeGreaterThan(0);
    expect(json.memory.heapTotal).toBeGreaterThanOrEqual(json.memory.heapUsed);
    expect(json.memory.external).toBeGreaterThanOrEqual(0);
    expect(json.eventLoop).toEqual({ delayP50: 0, delayP99: 0, utilization: 0 });
    expect(json.messagesPerSecond).toBe(0);
  });

  it("reports messages per second from the latest sample, over virtual time", async () => {
    const counter = system.spawn(Counter, { name: "c" });
    await start({ metricsInterval: 1_000 });
    for (let i = 0; i < 50; i++) counter.tell("inc");
    await flush();
    expect(system.inspect().actors[0]?.processed).toBe(50);
    await clock.advance(1_000);
    const json = (await api(server!, "status")).body as StatusJson;
    expect(json.messagesPerSecond).toBe(50);
    expect(json.eventLoop.utilization).toBeGreaterThanOrEqual(0);
    expect(json.eventLoop.utilization).toBeLessThanOrEqual(1);
    expect(json.eventLoop.delayP50).toBeGreaterThanOrEqual(0);
  });

  it("shows the thread pool as null until it has started", async () => {
    await start();
    void system.threads; // made, but a real pool starts its threads on first use only
    expect(((await api(server!, "status")).body as StatusJson).threads).toBeNull();
  });

  it("shows the thread pool's counters once it runs tasks (inline pool)", async () => {
    await stopVirtualSystem(system, clock);
    ({ clock, system } = startVirtualSystem({ name: "observed", threads: { inline: true } }));
    await start();
    expect(((await api(server!, "status")).body as StatusJson).threads).toBeNull();
    expect(await system.threads.run(tasks.add, [1, 2])).toBe(3);
    expect(((await api(server!, "status")).body as StatusJson).threads).toEqual({
      threads: 0,
      queued: 0,
      inFlight: 0,
      completed: 1,
      replaced: 0,
      utilization: 0,
    });
  });

  it("answers HEAD with the headers and no body", async () => {
    const response = await fetch(`${(await start()).url}api/status`, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(Number(response.headers.get("content-length"))).toBeGreaterThan(0);
    expect(await response.text()).toBe("");
  });
});

describe("GET /api/actors", () => {
  it("returns the supervision tree with each actor's children", async () => {
    await startTree();
    const tree = (await api(await start(), "actors")).body as TreeJson;
    expect(tree).toMatchObject({ name: "observed", status: "running", deadLetters: 0 });
    expect(tree.actors).toHaveLength(1);
    const app = tree.actors[0]!;
    expect(app).toMatchObject({ path: "/user/app", name: "app", status: "running" });
    expect(app.children.map((c) => c.path)).toEqual(["/user/app/worker", "/user/app/pool"]);
    expect(app.children[1]!.children.map((c) => c.name)).toEqual(["w1", "w2"]);
    expect(app.children[0]).toMatchObject({
      mailbox: 0,
      processed: 0,
      failed: 0,
      restarts: 0,
      backoff: null,
      children: [],
    });
  });

  it("returns one actor with its subtree and no exposed methods while the gateway is off", async () => {
    await startTree();
    const { status, body } = await api(await start(), "actors/user/app/pool");
    expect(status).toBe(200);
    const detail = body as ActorDetailJson;
    expect(detail).toMatchObject({ path: "/user/app/pool", name: "pool", exposed: [] });
    expect(detail.children.map((c) => c.path)).toEqual(["/user/app/pool/w1", "/user/app/pool/w2"]);
  });

  it("lists the methods the gateway exposes on that actor", async () => {
    await startTree();
    await start({ gateway: { token: TOKEN, expose: [expose("app/worker", ["work"])] } });
    expect(
      ((await api(server!, "actors/user/app/worker")).body as ActorDetailJson).exposed,
    ).toEqual(["work"]);
    expect(((await api(server!, "actors/user/app")).body as ActorDetailJson).exposed).toEqual([]);
  });

  it("decodes percent-encoded path segments", async () => {
    system.spawn(Counter, { name: "a:b@c+d=e" });
    await flush();
    const { status, body } = await api(
      await start(),
      `actors/user/${encodeURIComponent("a:b@c+d=e")}`,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ path: "/user/a:b@c+d=e", name: "a:b@c+d=e" });
  });

  it("answers 404 for a path where no actor runs", async () => {
    system.spawn(Counter, { name: "c" });
    await flush();
    expectError(
      await api(await start(), "actors/user/nobody"),
      404,
      "ERR_HTTP_ACTOR_NOT_FOUND",
      "There is no actor at /user/nobody; GET /api/actors lists them.",
    );
    expectError(
      await api(server!, "actors/user/c/child"),
      404,
      "ERR_HTTP_ACTOR_NOT_FOUND",
      "There is no actor at /user/c/child",
    );
  });

  it("answers 400 for a path segment that is not valid percent-encoding", async () => {
    await start();
    expectError(
      await api(server!, "actors/user/%E0%A4%A"),
      400,
      "ERR_HTTP_BAD_REQUEST",
      'The path segment "%E0%A4%A" is not valid percent-encoding.',
    );
    expectError(await api(server!, "actors/%zz"), 400, "ERR_HTTP_BAD_REQUEST", '"%zz"');
  });
});

describe("GET /api/metrics", () => {
  it("has no samples until the virtual clock has moved by one interval", async () => {
    await start({ metricsInterval: 500 });
    expect((await api(server!, "metrics")).body).toEqual({ intervalMs: 500, samples: [] });
    await clock.advance(499);
    expect(((await api(server!, "metrics")).body as MetricsJson).samples).toEqual([]);
    await clock.advance(1);
    const { samples } = (await api(server!, "metrics")).body as MetricsJson;
    expect(samples).toHaveLength(1);
    expect(samples[0]).toMatchObject({
      messagesPerSecond: 0,
      poolUtilization: null,
      poolQueued: 0,
      actors: 0,
      mailboxes: 0,
      deadLetters: 0,
    });
    expect(samples[0]!.heapUsed).toBeGreaterThan(0);
    await clock.advance(1_000);
    expect(((await api(server!, "metrics")).body as MetricsJson).samples).toHaveLength(3);
  });

  it("computes messages per second from the messages processed between samples", async () => {
    const counter = system.spawn(Counter, { name: "c" });
    await start({ metricsInterval: 500 });
    const tell = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) counter.tell("inc");
      await flush();
    };
    await tell(50);
    await clock.advance(500); // 50 in half a second
    await clock.advance(500); // none
    await tell(5);
    await clock.advance(500);
    const { samples } = (await api(server!, "metrics")).body as MetricsJson;
    expect(samples.map((s) => s.messagesPerSecond)).toEqual([100, 0, 10]);
    expect(samples.map((s) => s.actors)).toEqual([1, 1, 1]);
  });

  it("keeps only the latest `history` samples, oldest first", async () => {
    const counter = system.spawn(Counter, { name: "c" });
    await start({ metricsInterval: 1_000, history: 2 });
    for (const n of [1, 2, 3]) {
      for (let i = 0; i < n; i++) counter.tell("inc");
      await flush();
      await clock.advance(1_000);
    }
    const { samples } = (await api(server!, "metrics")).body as MetricsJson;
    expect(samples.map((s) => s.messagesPerSecond)).toEqual([2, 3]);
  });
});

describe("GET /api/dead-letters", () => {
  it("lists a message to a stopped actor with its recipient, method, JSON-safe args and reason", async () => {
    const ref = system.spawn(Counter, { name: "c" });
    await system.stop(ref);
    (ref as unknown as { tell(m: string, ...a: unknown[]): void }).tell(
      "inc",
      10n,
      "x".repeat(300),
    );
    await clock.advance(5_000);
    const before = Date.now();
    const { status, body } = await api(await start(), "dead-letters");
    const after = Date.now();
    expect(status).toBe(200);
    const json = body as DeadLettersJson;
    expect(json.count).toBe(1);
    expect(json.recent).toEqual([
      {
        recipient: "/user/c",
        method: "inc",
        args: ["10n", `${"x".repeat(200)}…(+100 chars)`],
        reason: "actor-stopped",
        at: expect.any(Number) as unknown,
      },
    ]);
    // Recorded 5 s of virtual time ago, as epoch ms.
    expect(json.recent[0]!.at).toBeGreaterThanOrEqual(before - 5_000);
    expect(json.recent[0]!.at).toBeLessThanOrEqual(after - 5_000);
  });

  it("still answers when a lost message's arguments cannot be read (a throwing getter)", async () => {
    const ref = system.spawn(Counter, { name: "c" });
    await system.stop(ref);
    const disposed = {
      id: 7,
      get handle(): never {
        throw new Error("disposed");
      },
    };
    (ref as unknown as { tell(m: string, ...a: unknown[]): void }).tell("inc", disposed);
    const { status, body } = await api(await start(), "dead-letters");
    expect(status).toBe(200);
    expect((body as DeadLettersJson).recent[0]!.args).toEqual([{ id: 7, handle: "[Unreadable]" }]);
  });

  it("is empty while nothing was lost", async () => {
    expect((await api(await start(), "dead-letters")).body).toEqual({ count: 0, recent: [] });
  });
});

describe("routing refusals", () => {
  it("answers 404 for unknown endpoints, naming the ones that exist", async () => {
    await start();
    for (const path of ["nope", "status/extra", "metrics/1", "dead-letters/x", ""])
      expectError(await api(server!, path), 404, "ERR_HTTP_NOT_FOUND", "see /api/status");
    expectError(
      await page(server!, "/nothing"),
      404,
      "ERR_HTTP_NOT_FOUND",
      "Nothing at /nothing; the API is under /api/.",
    );
  });

  it("answers 405 with an Allow header for a method the endpoint does not take", async () => {
    system.spawn(Counter, { name: "c" });
    await flush();
    await start();
    const del = await api(server!, "status", { method: "DELETE" });
    expectError(del, 405, "ERR_HTTP_METHOD_NOT_ALLOWED", "DELETE is not allowed here; use GET.");
    expect(del.headers.get("allow")).toBe("GET");
    const put = await api(server!, "actors/user/c", { method: "PUT" });
    expectError(put, 405, "ERR_HTTP_METHOD_NOT_ALLOWED", "use GET or POST");
    expect(put.headers.get("allow")).toBe("GET, POST");
    const postStatus = await api(server!, "status", { method: "POST" });
    expectError(postStatus, 405, "ERR_HTTP_METHOD_NOT_ALLOWED", "POST is not allowed here");
    expect(postStatus.headers.get("allow")).toBe("GET");
  });

  it("answers 426 to a plain request for /ws", async () => {
    const reply = await page(await start(), "/ws");
    expectError(reply, 426, "ERR_HTTP_UPGRADE_REQUIRED", "Open /ws as a WebSocket.");
    expect(reply.headers.get("upgrade")).toBe("websocket");
  });
});
