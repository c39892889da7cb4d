/**
 * Job board: a foreman restarts a worker that crashes and stops one that keeps crashing.
 *
 * This is the first thing to run (`npm start`). It builds a small supervision tree:
 *
 *   /user/ledger            counts finished and lost jobs
 *   /user/foreman           routes jobs to its workers and supervises them
 *   /user/foreman/w1..w3    do the jobs; a "poison" job makes a worker throw
 *
 * and walks through four phases, printing what the system reports as it happens:
 *   1. normal work, sent with `ask` (a receipt comes back) and `tell` (fire and forget);
 *   2. a poison job crashes w2: the foreman's strategy restarts it from its factory, so its
 *      state starts over, while the jobs queued behind the poison stay in its mailbox;
 *   3. a customer sends poison after poison to w3: restarting does not fix that, so after 2
 *      restarts the strategy stops w3, its queued message becomes a dead letter, and the
 *      foreman, which watches its workers, learns of the stop in `onTerminated`;
 *   4. work goes on with the workers that are left; then the final tree and a clean shutdown.
 *
 * Run it directly with `npx tsx examples/job-board.ts`, or `npm run example -- job-board`.
 */
// Inside this repository the examples import the source; your code imports "troupe".
import {
  Actor,
  ActorSystem,
  oneForOne,
  type ActorRef,
  type ActorSnapshot,
  type TerminationReason,
} from "../src/index.js";

interface Job {
  readonly id: number;
  readonly customer: string;
  readonly task: string;
}

interface Receipt {
  readonly job: Job;
  readonly worker: string;
  /** What the worker produced, or why the job was lost. */
  readonly outcome: { readonly done: true; readonly output: string } | LostOutcome;
}

interface LostOutcome {
  readonly done: false;
  readonly error: Error;
}

/** One line per thing that happens; the first word says who or what reports it. */
function say(who: string, text: string): void {
  console.log(`${who.padEnd(11)} ${text}`);
}

// ---------------------------------------------------------------------------------- actors

/**
 * Keeps the books. Workers tell it about finished jobs and the foreman about lost ones; it
 * is a separate actor so the tally survives whatever happens to the workers.
 */
class Ledger extends Actor {
  readonly #doneBy = new Map<string, number>();
  readonly #lost: number[] = [];

  done(worker: string): void {
    this.#doneBy.set(worker, (this.#doneBy.get(worker) ?? 0) + 1);
  }

  lost(jobId: number): void {
    this.#lost.push(jobId);
  }

  tally(): { done: number; doneBy: [string, number][]; lost: number[] } {
    const doneBy = [...this.#doneBy].sort(([a], [b]) => a.localeCompare(b));
    return { done: doneBy.reduce((sum, [, n]) => sum + n, 0), doneBy, lost: [...this.#lost] };
  }
}

/**
 * Does one job at a time. `#handled` is per-instance state: a restart builds a new
 * instance from the factory, so it starts again at 0, which the receipts make visible.
 */
class Worker extends Actor {
  readonly #ledger: ActorRef<Ledger>;
  #handled = 0;

  constructor(ledger: ActorRef<Ledger>) {
    super();
    this.#ledger = ledger;
  }

  work(job: Job): { output: string; handled: number } {
    // Let it crash: no try/catch here. The thrown error rejects the caller's ask and goes
    // to the supervisor, which decides what happens to this worker.
    if (job.task === "poison") throw new Error(`job #${job.id} is poison; cannot process it`);
    this.#handled++;
    this.#ledger.tell("done", this.context.name);
    return { output: `${job.task.replaceAll(" ", "-")}.pdf`, handled: this.#handled };
  }
}

/**
 * Spawns and supervises the workers and routes jobs to them. Jobs of one customer stick to
 * one worker, so they are done in the order sent; a customer whose worker is gone is given
 * to another one on its next job.
 */
class Foreman extends Actor {
  readonly #ledger: ActorRef<Ledger>;
  readonly #crewSize: number;
  /** Live workers in start order; `onTerminated` removes the ones that stop. */
  readonly #crew: ActorRef<Worker>[] = [];
  readonly #assigned = new Map<string, ActorRef<Worker>>();
  #nextAssignment = 0;

  constructor(ledger: ActorRef<Ledger>, crewSize: number) {
    super();
    this.#ledger = ledger;
    this.#crewSize = crewSize;
  }

  protected override onStart(): void {
    // Spawned in onStart, not in the constructor, so that if the foreman itself were
    // restarted it would build a fresh crew (a restart stops the old one first).
    for (let i = 1; i <= this.#crewSize; i++) {
      // A factory, not the class: the worker needs the ledger, and a restart calls the
      // factory again, so the replacement gets the same dependencies but fresh state.
      const worker = this.context.spawn(() => new Worker(this.#ledger), { name: `w${i}` });
      // Supervision decides what happens to a failed worker; watching is how the foreman
      // hears that a worker has stopped for good (here: too many restarts).
      this.context.watch(worker);
      this.#crew.push(worker);
    }
  }

  /** The ask path: the reply is a receipt, whether the job was done or lost. */
  async submit(job: Job): Promise<Receipt> {
    const worker = this.#workerFor(job.customer);
    try {
      const { output, handled } = await worker.ask("work", job);
      return {
        job,
        worker: worker.name,
        outcome: {
          done: true,
          output: `${output} (job ${handled} of this ${worker.name} instance)`,
        },
      };
    } catch (error) {
      // The worker's failure is its supervisor's business (that is this actor, through
      // its strategy); here we only account for the job, so nothing is silently lost.
      this.#ledger.tell("lost", job.id);
      return { job, worker: worker.name, outcome: { done: false, error: error as Error } };
    }
  }

  /** The tell path: fire and forget. If it is lost, only the dead letters say so. */
  post(job: Job): void {
    this.#workerFor(job.customer).tell("work", job);
  }

  crew(): string[] {
    return this.#crew.map((worker) => worker.name);
  }

  protected override onTerminated(ref: ActorRef, reason: TerminationReason): void {
    const index = this.#crew.findIndex((worker) => worker.equals(ref));
    if (index >= 0) this.#crew.splice(index, 1);
    for (const [customer, worker] of this.#assigned)
      if (worker.equals(ref)) this.#assigned.delete(customer);
    // The full reason was printed by the "stopped" listener; the foreman keeps it short.
    const why =
      reason.kind === "failed"
        ? `${reason.error.name}, last failure: ${describeCause(reason.error)}`
        : reason.kind;
    say("foreman", `watched ${ref.name} terminate (${why}); crew is now ${this.crew().join(", ")}`);
  }

  #workerFor(customer: string): ActorRef<Worker> {
    let worker = this.#assigned.get(customer);
    if (worker === undefined) {
      worker = this.#crew[this.#nextAssignment++ % this.#crew.length];
      if (worker === undefined) throw new Error("the foreman has no workers left");
      this.#assigned.set(customer, worker);
    }
    return worker;
  }
}

// ---------------------------------------------------------------------------------- output

function describeReason(reason: TerminationReason): string {
  switch (reason.kind) {
    case "stopped":
    case "shutdown":
      return reason.kind;
    case "failed":
      return `failed: ${reason.error.name}: ${reason.error.message}`;
    default:
      return reason satisfies never;
  }
}

function describeCause(error: Error): string {
  return error.cause instanceof Error ? error.cause.message : "none recorded";
}

function describeArgs(args: readonly unknown[]): string {
  return args.map((arg) => (isJob(arg) ? `job #${arg.id}` : JSON.stringify(arg))).join(", ");
}

function isJob(value: unknown): value is Job {
  return typeof value === "object" && value !== null && "id" in value && "task" in value;
}

function printReceipt({ job, worker, outcome }: Receipt): void {
  const what = `job #${job.id} ${job.customer} "${job.task}"`;
  if (outcome.done) say("receipt", `${what}: done by ${worker} -> ${outcome.output}`);
  else
    say("receipt", `${what}: LOST at ${worker}: ${outcome.error.name}: ${outcome.error.message}`);
}

/** `system.inspect()` as an indented tree: status and counters per actor. */
function printTree(actors: readonly ActorSnapshot[], depth: number): void {
  for (const actor of actors) {
    const name = `${"  ".repeat(depth)}${actor.name}`.padEnd(12);
    console.log(
      `${name} ${actor.status.padEnd(8)} processed=${actor.processed} ` +
        `failed=${actor.failed} restarts=${actor.restarts}`,
    );
    printTree(actor.children, depth + 1);
  }
}

/** Shows what the system reports. Listeners cost nothing until they are added. */
function listen(system: ActorSystem): void {
  system.events.on("started", ({ path }) => say("started", path));
  system.events.on("failed", ({ path, phase, method, error }) =>
    say("failed", `${path} in ${method === undefined ? phase : `${method}()`}: ${error.message}`),
  );
  system.events.on("restarted", ({ path, restarts }) =>
    say("restarted", `${path} from its factory (restart ${restarts}): fresh state, same mailbox`),
  );
  system.events.on("stopped", ({ path, reason }) =>
    say("stopped", `${path} (${describeReason(reason)})`),
  );
  system.events.on("deadLetter", ({ recipient, method, args, reason }) =>
    say("dead-letter", `${method}(${describeArgs(args)}) for ${recipient} (${reason})`),
  );
}

/** Resolves when the actor at `path` has stopped. */
function stoppedEvent(system: ActorSystem, path: string): Promise<void> {
  return new Promise((resolve) => {
    const onStopped = (event: { readonly path: string }): void => {
      if (event.path !== path) return;
      system.events.off("stopped", onStopped);
      resolve();
    };
    system.events.on("stopped", onStopped);
  });
}

// ---------------------------------------------------------------------------------- the demo

let nextJobId = 1;
function job(customer: string, task: string): Job {
  return { id: nextJobId++, customer, task };
}

async function main(): Promise<void> {
  const system = new ActorSystem({ name: "job-board" });
  listen(system);
  try {
    console.log("== 0. start the tree");
    const ledger = system.spawn(Ledger, { name: "ledger" });
    const foreman = system.spawn(() => new Foreman(ledger, 3), {
      name: "foreman",
      // How the foreman treats a failed worker: restart it, but at most 2 times within
      // 60 s; one more failure in that window stops it. A crash loop means a fault that a
      // restart does not fix, and stopping makes it visible instead of burning CPU. The
      // window is long so that this demo never depends on timing.
      supervision: oneForOne({ maxRestarts: 2, within: 60_000 }),
      // `submit` awaits a worker's reply. Letting the foreman run several of these at once
      // means it keeps routing meanwhile, so jobs wait in the workers' mailboxes (which a
      // restart keeps) rather than in the foreman's. This is safe because the foreman
      // changes its own state only in synchronous code, never across an await.
      concurrency: 8,
    });
    say("foreman", `crew is ${(await foreman.ask("crew")).join(", ")}`);

    console.log("== 1. a normal morning: ask for receipts, tell for fire-and-forget");
    // Customers are assigned to workers in the order they first appear: acme -> w1,
    // globex -> w2, mallory -> w3.
    const morning = [
      foreman.ask("submit", job("acme", "invoice 1001")),
      foreman.ask("submit", job("globex", "report Q3")),
      foreman.ask("submit", job("mallory", "invoice 2001")),
    ];
    foreman.tell("post", job("acme", "newsletter"));
    for (const receipt of await Promise.all(morning)) printReceipt(receipt);

    console.log("== 2. a poison job crashes w2; it is restarted and the jobs behind it still run");
    // All four are sent before w2 runs any of them, so the two after the poison are
    // already in w2's mailbox when it crashes.
    const batch = ["report Q4", "poison", "chart Q4", "summary Q4"].map((task) =>
      foreman.ask("submit", job("globex", task)),
    );
    for (const receipt of await Promise.all(batch)) printReceipt(receipt);

    console.log("== 3. poison after poison: w3 is restarted twice, then stopped");
    const w3Stopped = stoppedEvent(system, "/user/foreman/w3");
    const flood = [1, 2, 3].map(() => foreman.ask("submit", job("mallory", "poison")));
    // Queued behind the poison; w3 stops before it runs, and a tell has nobody to reply
    // to, so it becomes a dead letter.
    foreman.tell("post", job("mallory", "newsletter"));
    const floodReceipts = await Promise.all(flood);
    await w3Stopped;
    // The foreman handles the termination notice before this message, so its crew is
    // already updated.
    say("foreman", `crew is ${(await foreman.ask("crew")).join(", ")}`);
    for (const receipt of floodReceipts) printReceipt(receipt);

    console.log("== 4. business as usual with the workers that are left");
    const afternoon = [
      foreman.ask("submit", job("mallory", "invoice 2002")),
      foreman.ask("submit", job("acme", "invoice 1003")),
    ];
    for (const receipt of await Promise.all(afternoon)) printReceipt(receipt);

    console.log("== final tally");
    const tally = await ledger.ask("tally");
    say(
      "ledger",
      `${tally.done} done (${tally.doneBy.map(([w, n]) => `${w}: ${n}`).join(", ")}), ` +
        `${tally.lost.length} lost (${tally.lost.map((id) => `#${id}`).join(", ")})`,
    );
    const snapshot = system.inspect();
    console.log(`${snapshot.name}: ${snapshot.status}, dead letters: ${snapshot.deadLetters}`);
    printTree(snapshot.actors, 1);
  } finally {
    // Always shut down: it stops the tree bottom-up (workers before the foreman) and
    // clears the system's timers, so the process can exit on its own.
    console.log("== shutdown");
    await system.shutdown();
    console.log(`${system.name}: ${system.status}`);
  }
}

await main();
