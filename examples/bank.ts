/**
 * Bank: one-for-all restarts accounts, journal and auditor together, and no money is lost.
 *
 * The tree, started with `system.start(supervisor(...))`:
 *
 *   /user/bank            a supervisor with oneForAll(): one fails, all restart
 *   /user/bank/accounts   the balances, in memory
 *   /user/bank/journal    runs transfers: debit, write to the durable log, credit
 *   /user/bank/auditor    its own tally of the committed transfers; checks the accounts
 *
 * The durable log is a plain array outside the actors (think of a database table or an
 * append-only file). It is the only thing that survives a restart: each actor's factory
 * rebuilds the actor's state from it. The journal debits before it writes, so when the
 * write fails the accounts are left debited for a transfer that never happened. Restarting
 * the journal alone would keep that hole; one-for-all stops all three (reverse start order)
 * and starts them again (start order) from the log, so the hole disappears.
 *
 * Phases: 1. two transfers; 2. the disk fails during the third: the journal crashes, the
 * whole group restarts, the total is unchanged; 3. the third transfer is retried and
 * committed. Every phase ends with the auditor's check of the invariant.
 *
 * Run it with `npx tsx examples/bank.ts`, or `npm run example -- bank`.
 */
// Inside this repository the examples import the source; your code imports "troupe".
import { Actor, ActorSystem, child, oneForAll, supervisor, type ActorRef } from "../src/index.js";

interface Transfer {
  readonly id: number;
  readonly from: string;
  readonly to: string;
  readonly amount: number;
}

type Balances = Readonly<Record<string, number>>;

interface Audit {
  readonly total: number;
  readonly openingTotal: number;
  /** Transfers the auditor has seen committed, and how many the log holds. */
  readonly audited: number;
  readonly logged: number;
  /** Accounts whose balance differs from the auditor's own tally. */
  readonly mismatches: readonly string[];
}

const OPENING: Balances = Object.freeze({ alice: 1000, bob: 1000, carol: 1000 });

/** One line per thing that happens; the first word says who or what reports it. */
function say(who: string, text: string): void {
  console.log(`${who.padEnd(10)} ${text}`);
}

function sum(balances: Balances): number {
  return Object.values(balances).reduce((a, b) => a + b, 0);
}

function describe(balances: Balances): string {
  const each = Object.entries(balances).map(([name, amount]) => `${name} ${amount}`);
  return `${each.join(", ")} (total ${sum(balances)})`;
}

/** The balances the log says: the opening balances with every committed transfer applied. */
function replay(entries: readonly Transfer[]): Record<string, number> {
  const balances = { ...OPENING };
  for (const t of entries) apply(balances, t);
  return balances;
}

function apply(balances: Record<string, number>, t: Transfer): void {
  balances[t.from] = (balances[t.from] ?? 0) - t.amount;
  balances[t.to] = (balances[t.to] ?? 0) + t.amount;
}

// ---------------------------------------------------------------------------- the durable log

/**
 * Stands in for storage that outlives the actors. Not an actor: the factories close over it,
 * so every restart reads the same log. A write either happens whole or throws.
 */
class DurableLog {
  readonly #entries: Transfer[] = [];
  readonly #faults: string[] = [];

  get entries(): readonly Transfer[] {
    return this.#entries;
  }

  append(transfer: Transfer): void {
    const fault = this.#faults.shift();
    if (fault !== undefined) throw new Error(`${fault} while writing transfer #${transfer.id}`);
    this.#entries.push(Object.freeze({ ...transfer }));
  }

  /** The next write fails with `reason`: the simulated disk fault of phase 2. */
  failNextWrite(reason: string): void {
    this.#faults.push(reason);
  }
}

// ---------------------------------------------------------------------------------- actors

/** What the three parts share: finding a sibling under the same supervisor by name. */
abstract class LedgerPart extends Actor {
  /**
   * Looked up on use rather than in the constructor: at the first start the auditor is
   * spawned after the journal, so it does not exist yet when the journal is built. A ref
   * stays valid across restarts (the actor behind it is new, the address is not).
   */
  protected sibling<A extends Actor>(name: string): ActorRef<A> {
    const path = `${this.context.parent.path}/${name}`;
    const ref = this.context.system.lookup<A>(path);
    if (ref === undefined) throw new Error(`${this.context.path}: no sibling at ${path}`);
    return ref;
  }

  protected override onStop(): void {
    say("stop", this.context.name);
  }
}

/** The balances, in memory only; rebuilt from the log by every new instance. */
class Accounts extends LedgerPart {
  readonly #balances: Record<string, number>;
  readonly #replayed: number;

  constructor(log: DurableLog) {
    super();
    this.#balances = replay(log.entries);
    this.#replayed = log.entries.length;
  }

  protected override onStart(): void {
    say("accounts", `rebuilt from ${this.#replayed} logged transfers: ${describe(this.#balances)}`);
  }

  debit(account: string, amount: number): void {
    this.#balances[account] = (this.#balances[account] ?? 0) - amount;
  }

  credit(account: string, amount: number): void {
    this.#balances[account] = (this.#balances[account] ?? 0) + amount;
  }

  balances(): Balances {
    return { ...this.#balances };
  }

  protected override onStop(): void {
    // What this instance held when it was stopped: after the failed write, the proof that
    // its state was wrong and had to go.
    const missing = sum(OPENING) - sum(this.#balances);
    const note = missing === 0 ? "" : `: ${missing} debited but never credited`;
    say("stop", `accounts, holding ${describe(this.#balances)}${note}`);
  }
}

/** Runs transfers, one at a time (an actor handles one message at a time). */
class Journal extends LedgerPart {
  readonly #log: DurableLog;

  constructor(log: DurableLog) {
    super();
    this.#log = log;
  }

  protected override onStart(): void {
    say("journal", `opened the log at entry ${this.#log.entries.length}`);
  }

  /** Resolves with the transfer's log entry number once it is committed. */
  async transfer(t: Transfer): Promise<number> {
    const accounts = this.sibling<Accounts>("accounts");
    // A deliberately naive order (a real ledger would write first): the debit is in
    // memory before the write, so a failed write leaves the accounts short.
    await accounts.ask("debit", t.from, t.amount);
    // The commit point. No try/catch: if the write throws, this handler fails, the caller's
    // ask rejects with the error, and the supervisor restarts the whole ledger.
    this.#log.append(t);
    await accounts.ask("credit", t.to, t.amount);
    this.sibling<Auditor>("auditor").tell("audit", t);
    return this.#log.entries.length;
  }
}

/** Keeps its own tally of committed transfers and checks the accounts against it. */
class Auditor extends LedgerPart {
  readonly #expected: Record<string, number>;
  #audited: number;
  readonly #log: DurableLog;

  constructor(log: DurableLog) {
    super();
    this.#log = log;
    this.#expected = replay(log.entries);
    this.#audited = log.entries.length;
  }

  protected override onStart(): void {
    say("auditor", `rebuilt its tally from ${this.#audited} logged transfers`);
  }

  audit(t: Transfer): void {
    apply(this.#expected, t);
    this.#audited++;
  }

  async check(): Promise<Audit> {
    const actual = await this.sibling<Accounts>("accounts").ask("balances");
    const names = new Set([...Object.keys(actual), ...Object.keys(this.#expected)]);
    return {
      total: sum(actual),
      openingTotal: sum(OPENING),
      audited: this.#audited,
      logged: this.#log.entries.length,
      mismatches: [...names].filter((name) => actual[name] !== this.#expected[name]),
    };
  }
}

// ---------------------------------------------------------------------------------- the demo

/** Prints an audit: the invariant is that the total never changes. */
function printAudit(audit: Audit): void {
  const ok =
    audit.total === audit.openingTotal &&
    audit.mismatches.length === 0 &&
    audit.audited === audit.logged;
  say(
    "check",
    `total ${audit.total} (opening ${audit.openingTotal}), audited ${audit.audited} of ` +
      `${audit.logged} logged, mismatches: ${audit.mismatches.join(", ") || "none"}: ` +
      (ok ? "OK" : "BROKEN"),
  );
  if (!ok) process.exitCode = 1;
}

function describeTransfer(t: Transfer): string {
  return `transfer #${t.id} ${t.from} -> ${t.to} ${t.amount}`;
}

async function main(): Promise<void> {
  const system = new ActorSystem({ name: "bank" });
  system.events.on("failed", ({ path, phase, method, error }) =>
    say("failed", `${path} in ${method === undefined ? phase : `${method}()`}: ${error.message}`),
  );
  system.events.on("restarted", ({ path, restarts }) =>
    say("restarted", `${path} from its factory (restart ${restarts})`),
  );
  // The log lives outside the actors; every factory below closes over it.
  const log = new DurableLog();
  try {
    console.log("== 0. start the ledger: accounts, journal, auditor, in that order");
    const ledger = system.start(
      supervisor(
        {
          name: "bank",
          // The three only make sense together, so a failure of any restarts all of them.
          // At most 3 group restarts a minute; past that the supervisor gives up (escalates).
          strategy: oneForAll({ maxRestarts: 3, within: 60_000 }),
        },
        [
          child(() => new Accounts(log), { name: "accounts" }),
          child(() => new Journal(log), { name: "journal" }),
          child(() => new Auditor(log), { name: "auditor" }),
        ],
      ),
    );
    say("bank", `children: ${(await ledger.ask("children")).join(", ")}`);
    const journal = system.lookup<Journal>("bank/journal");
    const auditor = system.lookup<Auditor>("bank/auditor");
    if (journal === undefined || auditor === undefined) throw new Error("the ledger did not start");
    printAudit(await auditor.ask("check"));

    console.log("== 1. two transfers");
    for (const t of [
      { id: 1, from: "alice", to: "bob", amount: 100 },
      { id: 2, from: "bob", to: "carol", amount: 50 },
    ]) {
      const entry = await journal.ask("transfer", t);
      say("teller", `${describeTransfer(t)}: committed as log entry ${entry}`);
    }
    printAudit(await auditor.ask("check"));

    console.log("== 2. the disk fails while transfer #3 is written: the whole ledger restarts");
    const third: Transfer = { id: 3, from: "carol", to: "alice", amount: 300 };
    log.failNextWrite("disk full");
    const refusal = await journal.ask("transfer", third).then(
      () => null,
      (error: unknown) => error as Error,
    );
    // The group is already suspended when the ask rejects: this check waits in the
    // auditor's mailbox, and the new auditor answers it once all three have restarted.
    const afterRestart = await auditor.ask("check");
    say("teller", `${describeTransfer(third)}: refused: ${refusal?.message ?? "(committed?)"}`);
    printAudit(afterRestart);

    console.log("== 3. transfer #3 is not in the log, so it is safe to retry");
    const entry = await journal.ask("transfer", third);
    say("teller", `${describeTransfer(third)}: committed as log entry ${entry}`);
    printAudit(await auditor.ask("check"));
  } finally {
    // Shutdown stops the tree bottom-up and in reverse start order, and clears the system's
    // timers, so the process exits on its own.
    console.log("== shutdown");
    await system.shutdown();
    say("bank", `log: ${log.entries.map(describeTransfer).join("; ")}`);
    console.log(`${system.name}: ${system.status}`);
  }
}

await main();
