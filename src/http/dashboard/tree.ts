/**
 * The supervision tree: one row per actor, nested under its parent, updated in place.
 *
 * Rows are keyed by actor path and reused across updates (only moved, added or removed as
 * the tree changes), so a flash, a "failed" mark, a collapsed subtree and the scroll position
 * all survive the once-a-second redraw. Events patch single rows between redraws.
 */
import type { ActorJson, ErrorJson, TreeJson } from "../protocol.js";
import { el, flash, setText } from "./dom.js";
import { formatMs } from "./format.js";

/** How long a failure stays marked on its row. */
const FAILED_MARK_MS = 30_000;
/**
 * How long a restart count learned from an event wins over a lower count in the tree: a
 * tree sampled just before the restart may arrive just after the event.
 */
const EVENT_COUNT_GRACE_MS = 5_000;

interface Row {
  readonly item: HTMLLIElement;
  readonly row: HTMLDivElement;
  readonly toggle: HTMLButtonElement;
  readonly name: HTMLSpanElement;
  readonly error: HTMLSpanElement;
  readonly status: HTMLSpanElement;
  readonly mailbox: HTMLSpanElement;
  readonly inFlight: HTMLSpanElement;
  readonly processed: HTMLSpanElement;
  readonly failed: HTMLSpanElement;
  readonly restarts: HTMLSpanElement;
  readonly children: HTMLUListElement;
  failedTimer: ReturnType<typeof setTimeout> | null;
}

export class TreeView {
  readonly #root: HTMLUListElement;
  readonly #empty: HTMLElement;
  readonly #rows = new Map<string, Row>();
  /** Paths whose subtree the user folded; kept across reconnects. */
  readonly #collapsed = new Set<string>();
  /** Restart counts from `restarted` events that the tree has not caught up with yet. */
  readonly #eventRestarts = new Map<string, { restarts: number; at: number }>();

  constructor(root: HTMLUListElement, empty: HTMLElement) {
    this.#root = root;
    this.#empty = empty;
  }

  /** The number of actors shown. */
  get size(): number {
    return this.#rows.size;
  }

  /** Brings the rows in line with `tree`, touching only what changed. */
  update(tree: TreeJson): void {
    const seen = new Set<string>();
    this.#sync(this.#root, tree.actors, 0, seen);
    for (const [path, row] of this.#rows) {
      if (seen.has(path)) continue;
      if (row.failedTimer !== null) clearTimeout(row.failedTimer);
      this.#rows.delete(path);
      this.#eventRestarts.delete(path);
    }
    this.#empty.hidden = this.#rows.size > 0;
  }

  /** A restart: show the new count at once and flash the row. */
  restarted(path: string, restarts: number, error: ErrorJson): void {
    this.#eventRestarts.set(path, { restarts, at: Date.now() });
    const row = this.#rows.get(path);
    if (row === undefined) return;
    setText(row.restarts, String(restarts));
    row.restarts.classList.toggle("nonzero", restarts > 0);
    this.#showError(row, error);
    flash(row.row, "flash");
  }

  /** A failure: mark the row with the error for a while. */
  failed(path: string, error: ErrorJson): void {
    const row = this.#rows.get(path);
    if (row === undefined) return;
    this.#showError(row, error);
    row.row.classList.add("failed");
    if (row.failedTimer !== null) clearTimeout(row.failedTimer);
    row.failedTimer = setTimeout(() => {
      row.failedTimer = null;
      row.row.classList.remove("failed");
      setText(row.error, "");
      row.error.title = "";
    }, FAILED_MARK_MS);
  }

  /** Folds or unfolds every subtree. */
  setAllCollapsed(collapsed: boolean): void {
    for (const [path, row] of this.#rows) {
      if (row.children.childElementCount === 0) continue;
      if (collapsed) this.#collapsed.add(path);
      else this.#collapsed.delete(path);
      this.#applyCollapsed(path, row);
    }
  }

  #sync(
    list: HTMLUListElement,
    actors: readonly ActorJson[],
    depth: number,
    seen: Set<string>,
  ): void {
    // Walk the wanted order alongside the current children, moving or inserting as needed.
    let cursor = list.firstElementChild;
    for (const actor of actors) {
      seen.add(actor.path);
      let row = this.#rows.get(actor.path);
      if (row === undefined) {
        row = this.#create(actor.path);
        this.#rows.set(actor.path, row);
      }
      if (row.item === cursor) cursor = cursor.nextElementSibling;
      else list.insertBefore(row.item, cursor);
      this.#render(row, actor, depth);
      this.#sync(row.children, actor.children, depth + 1, seen);
      this.#applyCollapsed(actor.path, row);
    }
    // Whatever is left after the wanted rows belongs to actors that are gone.
    while (cursor !== null) {
      const next = cursor.nextElementSibling;
      cursor.remove();
      cursor = next;
    }
  }

  #create(path: string): Row {
    const item = el("li", "node");
    item.setAttribute("role", "treeitem");
    const row = el("div", "row");
    row.dataset["path"] = path;
    row.title = path;

    const toggle = el("button", "toggle");
    toggle.type = "button";
    toggle.addEventListener("click", () => {
      if (this.#collapsed.has(path)) this.#collapsed.delete(path);
      else this.#collapsed.add(path);
      const current = this.#rows.get(path);
      if (current !== undefined) this.#applyCollapsed(path, current);
    });

    const label = el("span", "label");
    const name = el("span", "name");
    const error = el("span", "error");
    label.append(toggle, name, error);

    const status = el("span", "status");
    const mailbox = el("span", "num mailbox");
    const inFlight = el("span", "num in-flight");
    const processed = el("span", "num processed");
    const failed = el("span", "num failures");
    const restarts = el("span", "num restarts");
    row.append(label, status, mailbox, inFlight, processed, failed, restarts);

    const children = el("ul", "children");
    children.setAttribute("role", "group");
    item.append(row, children);
    return {
      item,
      row,
      toggle,
      name,
      error,
      status,
      mailbox,
      inFlight,
      processed,
      failed,
      restarts,
      children,
      failedTimer: null,
    };
  }

  #render(row: Row, actor: ActorJson, depth: number): void {
    const depthText = String(depth);
    if (row.row.dataset["depth"] !== depthText) {
      row.row.dataset["depth"] = depthText;
      // A custom property set through the CSSOM is allowed under a strict CSP.
      row.row.style.setProperty("--depth", depthText);
      row.item.setAttribute("aria-level", String(depth + 1));
    }
    setText(row.name, actor.name);

    setText(row.status, actor.status);
    row.status.dataset["status"] = actor.status;
    row.row.dataset["status"] = actor.status;
    row.status.title =
      actor.backoff === null
        ? ""
        : `restart attempt ${actor.backoff.attempt} after ${formatMs(actor.backoff.delayMs)}`;

    setText(row.mailbox, String(actor.mailbox));
    row.mailbox.classList.toggle("nonzero", actor.mailbox > 0);
    row.mailbox.title = mailboxDetail(actor);
    setText(row.inFlight, String(actor.inFlight));
    row.inFlight.classList.toggle("nonzero", actor.inFlight > 0);
    setText(row.processed, String(actor.processed));
    setText(row.failed, String(actor.failed));
    row.failed.classList.toggle("nonzero", actor.failed > 0);

    const restarts = this.#restartsToShow(actor);
    setText(row.restarts, String(restarts));
    row.restarts.classList.toggle("nonzero", restarts > 0);

    row.item.classList.toggle("has-children", actor.children.length > 0);
  }

  #restartsToShow(actor: ActorJson): number {
    const fromEvent = this.#eventRestarts.get(actor.path);
    if (fromEvent === undefined) return actor.restarts;
    if (actor.restarts >= fromEvent.restarts || Date.now() - fromEvent.at > EVENT_COUNT_GRACE_MS) {
      this.#eventRestarts.delete(actor.path);
      return actor.restarts;
    }
    return fromEvent.restarts;
  }

  #showError(row: Row, error: ErrorJson): void {
    const text = `${error.name}: ${error.message}`;
    setText(row.error, text);
    row.error.title = error.code === undefined ? text : `${text} (${error.code})`;
  }

  #applyCollapsed(path: string, row: Row): void {
    const hasChildren = row.children.childElementCount > 0;
    const collapsed = hasChildren && this.#collapsed.has(path);
    row.item.classList.toggle("collapsed", collapsed);
    row.toggle.hidden = !hasChildren;
    if (hasChildren) {
      row.item.setAttribute("aria-expanded", String(!collapsed));
      row.toggle.setAttribute("aria-label", `${collapsed ? "Expand" : "Collapse"} ${path}`);
    } else {
      row.item.removeAttribute("aria-expanded");
    }
  }
}

function mailboxDetail(actor: ActorJson): string {
  const parts = [`${actor.mailbox} waiting in the mailbox`];
  if (actor.waitingSenders > 0) parts.push(`${actor.waitingSenders} senders blocked`);
  if (actor.stashed > 0) parts.push(`${actor.stashed} stashed`);
  if (actor.heldByRateLimit > 0) parts.push(`${actor.heldByRateLimit} held by rate limit`);
  return parts.join(", ");
}
