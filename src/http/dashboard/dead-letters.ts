/**
 * The table of the latest dead letters, newest first. The server's `hello` brings the recent
 * ones (oldest first); `deadLetter` events add to the top after that.
 */
import type { DeadLetterJson } from "../protocol.js";
import { el } from "./dom.js";
import { formatClock, formatTimestamp } from "./format.js";

const MAX_ROWS = 50;

export class DeadLetterTable {
  readonly #body: HTMLTableSectionElement;
  readonly #empty: HTMLElement;

  constructor(table: HTMLTableElement, empty: HTMLElement) {
    this.#body = table.tBodies[0] ?? table.createTBody();
    this.#empty = empty;
  }

  /** Replaces the rows with `recent` (oldest first, as the server keeps them). */
  reset(recent: readonly DeadLetterJson[]): void {
    const rows = recent.slice(-MAX_ROWS).reverse().map(row);
    this.#body.replaceChildren(...rows);
    this.#empty.hidden = rows.length > 0;
  }

  add(letter: DeadLetterJson): void {
    this.#body.prepend(row(letter));
    while (this.#body.rows.length > MAX_ROWS) this.#body.lastElementChild?.remove();
    this.#empty.hidden = true;
  }
}

function row(letter: DeadLetterJson): HTMLTableRowElement {
  const tr = el("tr");
  const time = el("td", "time", formatClock(letter.at));
  time.title = formatTimestamp(letter.at);
  const recipient = el("td", "path", letter.recipient);
  recipient.title = letter.recipient;
  const method = el("td", "method", letter.method);
  const reason = el("td", "reason", letter.reason);
  reason.title = letter.args.length === 0 ? letter.reason : `args: ${describeArgs(letter.args)}`;
  tr.append(time, recipient, method, reason);
  return tr;
}

/** The arguments as a one-line preview for a tooltip; the server already made them JSON-safe. */
function describeArgs(args: readonly unknown[]): string {
  try {
    const text = JSON.stringify(args);
    return text.length > 300 ? `${text.slice(0, 300)}…` : text;
  } catch {
    return `${args.length} argument(s)`;
  }
}
