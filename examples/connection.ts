/**
 * Connection: rest-for-one with backoff restarts what depends on a flaky connection.
 *
 * The tree, started with `system.start(supervisor(...))`:
 *
 *   /user/client              a supervisor with restForOne() and a restart backoff
 *   /user/client/connection   holds a link to a (simulated) server
 *   /user/client/session      logs in over the connection; the session id belongs to the link
 *   /user/client/worker       does jobs through the session
 *
 * Each child depends on the ones started before it. When the connection fails, its link
 * and so the session are gone: rest-for-one restarts the connection and every child
 * started after it, waiting longer before each attempt (backoff 100, 200, 400, 800 ms,
 * then the 1000 ms cap). When the worker fails, nothing depends on it: only the worker
 * restarts. Messages sent meanwhile wait in the mailboxes and are handled afterwards.
 *
 * No network is used: `FakeServer` refuses or accepts connections from a script. The only
 * times printed are the configured backoff delays, so the output is the same on every run.
 *
 * Run it with `npx tsx examples/connection.ts`, or `npm run example -- connection`.
 */
// Inside this repository the examples import the source; your code imports "troupe".
import {
  Actor,
  ActorSystem,
  backoff,
  child,
  restForOne,
  supervisor,
  type ActorRef,
} from "../src/index.js";

/** One line per thing that happens; the first word says who or what reports it. */
function say(who: string, text: string): void {
  console.log(`${who.padEnd(10)} ${text}`);
}

// ---------------------------------------------------------------------- the simulated server

/** An open link to the server; `onClose` is called if the server drops it. */
class Link {
  onClose: (reason: string) => void = () => {};
  #open = true;

  constructor(
    readonly id: string,
    readonly server: FakeServer,
  ) {}

  get open(): boolean {
    return this.#open;
  }

  close(): void {
    this.#open = false;
    this.onClose = () => {};
  }
}

/**
 * A server that accepts or refuses connections as scripted, hands out session ids, and can
 * drop every open link. Synchronous, so the demo's order of events never depends on timing.
 */
class FakeServer {
  readonly #refusals: string[] = [];
  readonly #links = new Set<Link>();
  readonly #sessions = new Map<string, Link>();
  #nextLink = 1;
  #nextSession = 1;

  /** The next `times` connection attempts are refused. */
  refuse(times: number, reason: string): void {
    for (let i = 0; i < times; i++) this.#refusals.push(reason);
  }

  connect(): Link {
    const refusal = this.#refusals.shift();
    if (refusal !== undefined) throw new Error(`connect failed: ${refusal} (simulated)`);
    const link = new Link(`L${this.#nextLink++}`, this);
    this.#links.add(link);
    return link;
  }

  login(link: Link, user: string): string {
    const id = `S${this.#nextSession++}-${user}`;
    this.#sessions.set(id, link);
    return id;
  }

  /** A request in a session; answered only over the link the session was opened on. */
  request(link: Link, session: string, payload: string): string {
    if (!link.open || this.#sessions.get(session) !== link)
      throw new Error(`session ${session} is not valid on link ${link.id}`);
    return `${payload} done in session ${session} over ${link.id}`;
  }

  /** Drops every open link: sessions die with their link. */
  dropAll(reason: string): void {
    for (const link of this.#links) {
      const onClose = link.onClose;
      link.close();
      onClose(reason);
    }
    this.#links.clear();
    this.#sessions.clear();
  }
}

// ---------------------------------------------------------------------------------- actors

/** A sibling under the same supervisor, by name; its ref stays valid across restarts. */
function sibling<A extends Actor>(
  system: ActorSystem,
  parent: ActorRef,
  name: string,
): ActorRef<A> {
  const ref = system.lookup<A>(`${parent.path}/${name}`);
  if (ref === undefined) throw new Error(`no actor at ${parent.path}/${name}`);
  return ref;
}

/** Owns the link. Connecting happens in `onStart`, so a refused connection is a failure. */
class Connection extends Actor {
  readonly #server: FakeServer;
  #link: Link | undefined;

  constructor(server: FakeServer) {
    super();
    this.#server = server;
  }

  protected override onStart(): void {
    // Let it crash: if the server refuses, onStart throws and the supervisor restarts the
    // connection (and everything after it) after the backoff delay.
    const link = this.#server.connect();
    const self: ActorRef<Connection> = this.self;
    link.onClose = (reason) => self.tell("lost", reason);
    this.#link = link;
    say("connection", `connected: link ${link.id}`);
  }

  protected override onStop(): void {
    // Close this instance's link, so a late close of it cannot reach the next instance.
    this.#link?.close();
  }

  /** The server dropped the link: this instance is useless now, so it fails. */
  lost(reason: string): void {
    throw new Error(`link ${this.#link?.id ?? "?"} lost: ${reason}`);
  }

  login(user: string): string {
    return this.#server.login(this.#current(), user);
  }

  request(session: string, payload: string): string {
    return this.#server.request(this.#current(), session, payload);
  }

  #current(): Link {
    if (this.#link === undefined) throw new Error("not connected");
    return this.#link;
  }
}

/** A login over the current connection; a new connection needs a new session. */
class Session extends Actor {
  #id = "(none)";

  protected override async onStart(): Promise<void> {
    // Messages to the session wait until this login is done.
    this.#id = await this.#connection().ask("login", "demo");
    say("session", `logged in: ${this.#id}`);
  }

  call(payload: string): Promise<string> {
    return this.#connection().ask("request", this.#id, payload);
  }

  #connection(): ActorRef<Connection> {
    return sibling<Connection>(this.context.system, this.context.parent, "connection");
  }
}

/** Does jobs, one at a time, through the session. */
class Worker extends Actor {
  async job(n: number, input: string): Promise<string> {
    // A job it cannot parse makes the worker fail (and only the worker restarts).
    if (!/^[a-z ]+$/.test(input))
      throw new Error(`job ${n}: cannot parse ${JSON.stringify(input)}`);
    const session = sibling<Session>(this.context.system, this.context.parent, "session");
    return session.ask("call", `job ${n} (${input})`);
  }
}

// ---------------------------------------------------------------------------------- the demo

/** Resolves with the next `failed` event of the actor at `path`. */
function nextFailure(system: ActorSystem, path: string): Promise<void> {
  return new Promise((resolve) => {
    const onFailed = (event: { readonly path: string }): void => {
      if (event.path !== path) return;
      system.events.off("failed", onFailed);
      resolve();
    };
    system.events.on("failed", onFailed);
  });
}

async function runJobs(worker: ActorRef<Worker>, jobs: readonly [number, string][]): Promise<void> {
  const replies = jobs.map(([n, input]) => worker.ask("job", n, input));
  for (const reply of await Promise.all(replies)) say("worker", reply);
}

async function main(): Promise<void> {
  const system = new ActorSystem({ name: "connection-demo" });
  system.events.on("failed", ({ path, phase, method, error }) =>
    say("failed", `${path} in ${method === undefined ? phase : `${method}()`}: ${error.message}`),
  );
  // attempt: the failed child's failures in a row (its backoff attempt); delayMs: the wait
  // before this restart. Every actor of the restarted group reports the same pair.
  system.events.on("restarted", ({ path, attempt, delayMs }) =>
    say("restarted", `${path} (attempt ${attempt}, after ${delayMs} ms)`),
  );
  const server = new FakeServer();
  try {
    console.log("== 0. start: connection, then session, then worker");
    const client = system.start(
      supervisor(
        {
          name: "client",
          strategy: restForOne({
            // Waits 100, 200, 400, 800 ms, then 1000 ms (the cap) for each further failure in
            // a row; after 1000 ms (resetAfter, default: max) of running without failing, it
            // starts again at 100. jitter 0 only to make this output repeatable: in
            // production, keep some jitter so clients that fail together do not retry together.
            backoff: backoff({ min: 100, max: 1000, jitter: 0 }),
            // The restart limit still applies: it must allow the whole retry sequence (5
            // restarts, 2.5 s of waiting), or the supervisor would give up first.
            maxRestarts: 6,
            within: 30_000,
          }),
        },
        [
          child(() => new Connection(server), { name: "connection" }),
          child(Session, { name: "session" }),
          child(Worker, { name: "worker" }),
        ],
      ),
    );
    await client.ask("children");
    const worker = system.lookup<Worker>("client/worker");
    if (worker === undefined) throw new Error("the client did not start");
    await runJobs(worker, [
      [1, "fetch inbox"],
      [2, "send report"],
    ]);

    console.log("== 1. the server drops the link and refuses the next 4 connections");
    server.refuse(4, "ECONNREFUSED");
    const connectionFailed = nextFailure(system, "/user/client/connection");
    server.dropAll("connection reset by peer");
    await connectionFailed;
    // Sent while the connection, session and worker wait to restart: they stay in the
    // worker's mailbox and run once the chain is back.
    say("main", "jobs 3, 4, 5 sent while the client is down");
    await runJobs(worker, [
      [3, "fetch inbox"],
      [4, "archive old mail"],
      [5, "send report"],
    ]);

    console.log("== 2. the worker fails alone: only the worker restarts");
    const refused = await worker.ask("job", 6, "%%%").then(
      () => "(done?)",
      (error: unknown) => (error as Error).message,
    );
    say("main", `job 6 rejected: ${refused}`);
    say("main", "job 7 sent while the worker waits to restart");
    await runJobs(worker, [[7, "fetch inbox"]]);

    console.log("== restarts per actor");
    for (const actor of system.inspect().actors)
      for (const c of actor.children) say(c.name, `restarts=${c.restarts}`);
  } finally {
    // Shutdown clears the system's timers, so the process exits on its own.
    console.log("== shutdown");
    await system.shutdown();
    console.log(`${system.name}: ${system.status}`);
  }
}

await main();
