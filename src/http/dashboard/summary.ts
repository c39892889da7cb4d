/**
 * The header (system name, status, uptime, memory, connection) and the row of summary cards.
 * Everything here shows the latest value only; the charts show the history.
 */
import type { ActorJson, MetricsSample, StatusJson, TreeJson } from "../protocol.js";
import type { ConnectionState } from "./connection.js";
import { byId, setText } from "./dom.js";
import {
  formatBytes,
  formatClock,
  formatCount,
  formatDuration,
  formatMs,
  formatRate,
  formatShare,
} from "./format.js";

export class Summary {
  readonly #name = byId("system-name", HTMLElement);
  readonly #status = byId("system-status", HTMLElement);
  readonly #uptime = byId("uptime", HTMLElement);
  readonly #heap = byId("heap", HTMLElement);
  readonly #connection = byId("connection", HTMLElement);
  readonly #actors = byId("stat-actors", HTMLElement);
  readonly #actorsNote = byId("stat-actors-note", HTMLElement);
  readonly #messages = byId("stat-messages", HTMLElement);
  readonly #messagesNote = byId("stat-messages-note", HTMLElement);
  readonly #mailboxes = byId("stat-mailboxes", HTMLElement);
  readonly #mailboxesNote = byId("stat-mailboxes-note", HTMLElement);
  readonly #deadLetters = byId("stat-dead-letters", HTMLElement);
  readonly #delay = byId("stat-delay", HTMLElement);
  readonly #delayNote = byId("stat-delay-note", HTMLElement);
  readonly #pool = byId("stat-pool", HTMLElement);
  readonly #poolNote = byId("stat-pool-note", HTMLElement);
  #deadLetterCount = 0;
  /** When the system started, by this browser's clock; null until /api/status answered. */
  #startedAt: number | null = null;
  #everOpen = false;

  constructor() {
    // Uptime ticks locally between server messages.
    setInterval(() => this.#drawUptime(), 1000);
  }

  system(tree: TreeJson): void {
    setText(this.#name, tree.name);
    setText(this.#status, tree.status);
    this.#status.dataset["status"] = tree.status;
    document.title = `${tree.name} · troupe`;
    const counts = countStatuses(tree.actors);
    // The tree knows the actor count too, which matters before the first sample arrives.
    setText(this.#actors, formatCount([...counts.values()].reduce((a, b) => a + b, 0)));
    const notRunning = [...counts].filter(([status]) => status !== "running");
    setText(
      this.#actorsNote,
      notRunning.length === 0
        ? "all running"
        : notRunning.map(([status, n]) => `${n} ${status}`).join(" · "),
    );
    this.#actorsNote.classList.toggle("attention", notRunning.length > 0);
  }

  sample(sample: MetricsSample): void {
    setText(this.#actors, formatCount(sample.actors));
    setText(this.#messages, formatRate(sample.messagesPerSecond));
    setText(this.#messagesNote, `event loop busy ${formatShare(sample.eventLoopUtilization)}`);
    setText(this.#mailboxes, formatCount(sample.mailboxes));
    setText(this.#mailboxesNote, sample.mailboxes === 1 ? "message waiting" : "messages waiting");
    this.deadLetters(sample.deadLetters);
    setText(this.#delay, formatMs(sample.eventLoopDelayP99));
    setText(
      this.#delayNote,
      `p50 ${formatMs(sample.eventLoopDelayP50)} · max ${formatMs(sample.eventLoopDelayMax)}`,
    );
    setText(this.#pool, formatShare(sample.poolUtilization));
    setText(
      this.#poolNote,
      sample.poolUtilization === null
        ? "pool not started"
        : `${sample.poolQueued} ${sample.poolQueued === 1 ? "task" : "tasks"} queued`,
    );
    setText(this.#heap, `heap ${formatBytes(sample.heapUsed)}`);
  }

  /** Sets the dead-letter total (from a sample or a hello). */
  deadLetters(count: number): void {
    this.#deadLetterCount = count;
    setText(this.#deadLetters, formatCount(count));
    this.#deadLetters.classList.toggle("attention", count > 0);
  }

  /** One more dead letter, seen as an event before the next sample counts it. */
  deadLetterAdded(): void {
    this.deadLetters(this.#deadLetterCount + 1);
  }

  connection(state: ConnectionState, retryAt: number | null): void {
    this.#connection.dataset["state"] = state;
    document.body.dataset["connection"] = state;
    if (state === "open") this.#everOpen = true;
    const text =
      state === "open"
        ? "live"
        : state === "connecting"
          ? this.#everOpen
            ? "reconnecting…"
            : "connecting…"
          : "disconnected";
    setText(this.#connection, text);
    this.#connection.title =
      retryAt === null
        ? ""
        : `next attempt at ${formatClock(retryAt)} (${formatMs(retryAt - Date.now())})`;
  }

  /** Learns the uptime once per connection; the stream itself does not carry it. */
  async loadUptime(): Promise<void> {
    try {
      const response = await fetch("/api/status", { cache: "no-store" });
      if (!response.ok) return;
      const status = (await response.json()) as StatusJson;
      if (typeof status.uptimeMs === "number") {
        this.#startedAt = Date.now() - status.uptimeMs;
        this.#drawUptime();
      }
    } catch {
      // Uptime is a nicety; without the endpoint the header just leaves it out.
    }
  }

  #drawUptime(): void {
    this.#uptime.hidden = this.#startedAt === null;
    if (this.#startedAt !== null) {
      setText(this.#uptime, `up ${formatDuration(Date.now() - this.#startedAt)}`);
    }
  }
}

function countStatuses(
  actors: readonly ActorJson[],
  into = new Map<string, number>(),
): Map<string, number> {
  for (const actor of actors) {
    into.set(actor.status, (into.get(actor.status) ?? 0) + 1);
    countStatuses(actor.children, into);
  }
  return into;
}
