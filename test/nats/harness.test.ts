/**
 * The NATS test harness against real nats-server processes on loopback: request-reply, the
 * client's no-responders error, JetStream with explicit acks, a three-server cluster that a
 * client fails over in when its server is killed, and servers that leave nothing behind.
 * Waits are on events and promises with bounds (`within`), never on sleeps; no timings are
 * asserted.
 */
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, errors, type NatsConnection } from "@nats-io/transport-node";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  describeNats,
  startCluster,
  startNats,
  within,
  type NatsServer,
} from "../support/nats-server.js";

/** Bound on anything the tests wait for. */
const BOUND_MS = 10_000;

/** Clients a test opened, closed after it whatever happened. */
const clients: NatsConnection[] = [];
async function client(servers: string | readonly string[], options = {}): Promise<NatsConnection> {
  const nc = await connect({ servers: [servers].flat(), ...options });
  clients.push(nc);
  return nc;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((nc) => nc.close()));
});

/** Replies to every request on `subject` with "<prefix>:<data>". */
async function responder(nc: NatsConnection, subject: string, prefix: string): Promise<void> {
  nc.subscribe(subject, {
    callback: (_err, msg) => {
      msg.respond(`${prefix}:${msg.string()}`);
    },
  });
  await nc.flush();
}

/** Whether a process with this PID exists (signal 0 checks without signalling). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe("ESRCH");
    return false;
  }
}

/**
 * Bounded wait until a request on `subject` sent through the server at `url` finds a
 * responder: a subscription reaches the other servers of a cluster over their routes
 * asynchronously, and until it has, a request there gets "no responders".
 */
async function reachableFrom(url: string, subject: string): Promise<void> {
  const nc = await client(url, { maxReconnectAttempts: 0 });
  const deadline = Date.now() + BOUND_MS;
  for (;;) {
    try {
      await nc.request(subject, "probe", { timeout: BOUND_MS });
      return;
    } catch (error) {
      const noResponders = error instanceof errors.RequestError && error.isNoResponders();
      if (!noResponders || Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeNats("nats-server harness", () => {
  describe("one server", () => {
    let server: NatsServer;
    beforeAll(async () => {
      server = await startNats();
    });

    it("starts on a loopback port and carries request-reply", async () => {
      expect(server.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
      expect(alive(server.pid)).toBe(true);
      const nc = await client(server.url);
      expect(nc.info?.version).toMatch(/^2\./);
      await responder(nc, "echo", "echo");
      const reply = await nc.request("echo", "hi", { timeout: BOUND_MS });
      expect(reply.string()).toBe("echo:hi");
    });

    it("fails a request nobody subscribes to with the client's no-responders error", async () => {
      const nc = await client(server.url);
      // The timeout is far beyond the test's own: only a no-responders reply ends this.
      const error: unknown = await nc.request("nobody.home", "anyone?", { timeout: 60_000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(errors.RequestError);
      expect((error as InstanceType<typeof errors.RequestError>).isNoResponders()).toBe(true);
      const cause = (error as Error).cause;
      expect(cause).toBeInstanceOf(errors.NoRespondersError);
      expect((cause as InstanceType<typeof errors.NoRespondersError>).subject).toBe("nobody.home");
    });

    it("stop() ends the process and removes its directory", async () => {
      const { pid, dir } = server;
      await server.stop();
      expect(server.running).toBe(false);
      expect(alive(pid)).toBe(false);
      expect(existsSync(dir)).toBe(false);
      await server.stop(); // idempotent
    });
  });

  it("JetStream: a stream, published messages, a durable consumer with explicit acks", async () => {
    const server = await startNats({ jetstream: true });
    const nc = await client(server.url);
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "JOBS", subjects: ["jobs.>"] });
    const js = jetstream(nc);
    const acks = [];
    for (const job of ["a", "b", "c"]) acks.push(await js.publish(`jobs.${job}`, job));
    expect(acks.map((a) => [a.stream, a.seq])).toEqual([
      ["JOBS", 1],
      ["JOBS", 2],
      ["JOBS", 3],
    ]);

    await jsm.consumers.add("JOBS", { durable_name: "worker", ack_policy: AckPolicy.Explicit });
    const consumer = await js.consumers.get("JOBS", "worker");
    const first: string[] = [];
    for await (const msg of await consumer.fetch({ max_messages: 3, expires: BOUND_MS })) {
      first.push(msg.string());
      // "b" is refused once (nak: redelivered at once); the others are acked and confirmed.
      if (msg.string() === "b") msg.nak();
      else await msg.ackAck();
    }
    expect(first).toEqual(["a", "b", "c"]);

    const again = await consumer.next({ expires: BOUND_MS });
    expect(again?.string()).toBe("b");
    expect(again?.info.deliveryCount).toBe(2);
    expect(again?.redelivered).toBe(true);
    await again?.ackAck();

    const info = await consumer.info();
    expect(info.num_pending).toBe(0);
    expect(info.num_ack_pending).toBe(0);
    expect(info.ack_floor.stream_seq).toBe(3);
    await server.stop();
  });

  it("a three-server cluster: a client fails over when its server is killed", async () => {
    const cluster = await startCluster(3);
    expect(new Set(cluster.urls).size).toBe(3);
    const nc = await client(cluster.urls, {
      noRandomize: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 100,
    });
    const connected = cluster.servers.findIndex((s) => `127.0.0.1:${s.port}` === nc.getServer());
    expect(connected, `connected to ${nc.getServer()}`).not.toBe(-1);
    const doomed = cluster.servers[connected] as NatsServer;
    // The responder is on another server than the client's, so requests cross a route.
    const home = cluster.servers[(connected + 2) % 3] as NatsServer;
    await responder(await client(home.url), "svc.echo", home.name);
    for (const s of cluster.servers) await reachableFrom(s.url, "svc.echo");
    expect((await nc.request("svc.echo", "before", { timeout: BOUND_MS })).string()).toBe(
      `${home.name}:before`,
    );

    const seen: string[] = [];
    const reconnected = (async () => {
      for await (const status of nc.status()) {
        seen.push(status.type);
        if (status.type === "reconnect") return status.server;
      }
      throw new Error(`status iterator ended after ${seen.join(", ")}`);
    })();
    doomed.kill("SIGKILL");
    expect(await within(doomed.exited, BOUND_MS, "killed server exits")).toEqual({
      code: null,
      signal: "SIGKILL",
    });
    const server = await within(reconnected, BOUND_MS, `reconnect (saw ${seen.join(", ")})`);
    expect(seen).toContain("disconnect");
    expect(server).not.toBe(`127.0.0.1:${doomed.port}`);
    expect(nc.getServer()).not.toBe(`127.0.0.1:${doomed.port}`);

    const after = await nc.request("svc.echo", "after", { timeout: BOUND_MS });
    expect(after.string()).toBe(`${home.name}:after`);
    await cluster.stop();
    for (const s of cluster.servers) expect(alive(s.pid)).toBe(false);
  });

  it("a server that cannot start fails with its output", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    try {
      const address = taken.address();
      if (address === null || typeof address === "string") throw new Error("no port");
      const failed = await startNats({ port: address.port }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(failed).toBeInstanceOf(Error);
      expect((failed as Error).message).toMatch(
        /exited while starting[\s\S]*address already in use/,
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
