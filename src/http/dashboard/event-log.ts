/**
 * The event log: one line per system event, newest first, with a severity colour so the
 * failures stand out among the starts and stops.
 */
import type { EventMessage } from "../protocol.js";
import { el } from "./dom.js";
import { formatClock, formatMs, formatTimestamp } from "./format.js";

const MAX_LINES = 100;

type Severity = "info" | "warn" | "error";

export class EventLog {
  readonly #list: HTMLOListElement;
  readonly #empty: HTMLElement;

  constructor(list: HTMLOListElement, empty: HTMLElement) {
    this.#list = list;
    this.#empty = empty;
  }

  add(message: EventMessage): void {
    const { path, detail, severity } = describe(message);
    const line = el("li", `event-line ${severity}`);
    line.dataset["event"] = message.event;
    const time = el("span", "time", formatClock(message.at));
    time.title = formatTimestamp(message.at);
    const name = el("span", "event", message.event);
    const where = el("span", "path", path);
    where.title = path;
    const text = el("span", "message", detail);
    text.title = detail;
    line.append(time, name, where, text);
    this.#list.prepend(line);
    while (this.#list.childElementCount > MAX_LINES) this.#list.lastElementChild?.remove();
    this.#empty.hidden = true;
  }
}

/** What each event shows: where it happened, a one-line detail and how bad it is. */
function describe(message: EventMessage): { path: string; detail: string; severity: Severity } {
  switch (message.event) {
    case "started":
      return { path: message.data.path, detail: "", severity: "info" };
    case "stopped": {
      const { path, reason, error } = message.data;
      const detail = error === undefined ? reason : `${reason}: ${error.message}`;
      return { path, detail, severity: error === undefined ? "info" : "warn" };
    }
    case "restarted": {
      const { path, error, restarts, delayMs } = message.data;
      const after = delayMs > 0 ? ` after ${formatMs(delayMs)}` : "";
      return { path, detail: `${error.message} (restart ${restarts}${after})`, severity: "warn" };
    }
    case "failed": {
      const { path, error, phase, method } = message.data;
      const where = method === undefined ? phase : `${phase} ${method}`;
      return { path, detail: `${error.message} (in ${where})`, severity: "error" };
    }
    case "escalated": {
      const { path, child, error } = message.data;
      return { path, detail: `from ${child}: ${error.message}`, severity: "error" };
    }
    case "maxRestartsExceeded": {
      const { path, maxRestarts, withinMs, then } = message.data;
      const detail = `more than ${maxRestarts} restarts in ${formatMs(withinMs)}, then ${then}`;
      return { path, detail, severity: "error" };
    }
    case "fatal":
      return { path: message.data.path, detail: message.data.error.message, severity: "error" };
    case "deadLetter": {
      const { recipient, method, reason } = message.data;
      return { path: recipient, detail: `${method}: ${reason}`, severity: "warn" };
    }
    case "overflow": {
      const { path, policy, capacity } = message.data;
      return { path, detail: `mailbox full (${capacity}), ${policy}`, severity: "warn" };
    }
    case "threadError":
      return {
        path: "",
        detail: `${message.data.name}: ${message.data.message}`,
        severity: "error",
      };
  }
}
