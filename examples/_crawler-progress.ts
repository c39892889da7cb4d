/**
 * The crawler's display. On a terminal: one status line redrawn in place, with notes (such as
 * restarts) scrolling above it. Elsewhere (output piped to a file or another program, or the
 * `CI` environment variable set): a plain progress line every second, which logs and tests
 * can read. Then the summary table.
 */

export interface Progress {
  readonly elapsedMs: number;
  readonly fetched: number;
  readonly failed: number;
  readonly queued: number;
  readonly inFlight: number;
  readonly retries: number;
  readonly restarts: number;
  /** Requests the site received in the last second. */
  readonly perSecond: number;
}

export interface Display {
  /** Prints a line of its own (above the status line on a terminal). */
  note(who: string, text: string): void;
  /** Stops redrawing; on a terminal, clears the status line. */
  stop(): void;
}

/** Whether to redraw in place: a terminal, and not a CI job (whose logs keep every byte). */
export function isLive(): boolean {
  return process.stdout.isTTY && !process.env["CI"];
}

/** One line per thing that happens; the first word says who or what reports it. */
export function say(who: string, text: string): void {
  console.log(`${who.padEnd(10)} ${text}`);
}

/** The progress as a plain line: one every second. */
function line(p: Progress): string {
  return (
    `${(p.elapsedMs / 1000).toFixed(1)} s  fetched ${p.fetched}  failed ${p.failed}  ` +
    `queued ${p.queued}  in flight ${p.inFlight}  retries ${p.retries}  ` +
    `restarts ${p.restarts}  ${p.perSecond} req/s`
  );
}

/** The progress on a terminal: two short lines, redrawn in place. */
function panel(p: Progress): [string, string] {
  return [
    `crawling   ${(p.elapsedMs / 1000).toFixed(1)} s   fetched ${p.fetched}   ` +
      `failed ${p.failed}   queued ${p.queued}   in flight ${p.inFlight}`,
    `           retries ${p.retries}   restarts ${p.restarts}   ${p.perSecond} req/s`,
  ];
}

const CLEAR_LINE = "\r\x1b[2K";
const UP = "\x1b[1A";

/** Cuts `text` to the terminal's width: a line that wrapped could not be redrawn in place. */
function fit(text: string): string {
  const columns = process.stdout.columns > 0 ? process.stdout.columns : 80;
  return text.slice(0, columns - 1);
}

/** Shows `read()` every second (plain) or five times a second (live) until `stop()`. */
export function showProgress(read: () => Promise<Progress>, live: boolean): Display {
  let last: Progress | null = null;
  let drawn = false; // whether the panel is on the screen (live only)
  let stopped = false;
  let reading = false;
  const erase = (): void => {
    if (drawn) process.stdout.write(`${CLEAR_LINE}${UP}${CLEAR_LINE}`);
    drawn = false;
  };
  const draw = (): void => {
    if (last === null) return;
    if (!live) return say("progress", line(last));
    erase();
    const [first, second] = panel(last);
    process.stdout.write(`${fit(first)}\n${fit(second)}`);
    drawn = true;
  };
  const timer = setInterval(
    () => {
      if (reading) return; // the previous reading is still on its way
      reading = true;
      read().then(
        (progress) => {
          reading = false;
          if (stopped) return;
          last = progress;
          draw();
        },
        () => (reading = false), // the system is shutting down: nothing left to show
      );
    },
    live ? 200 : 1_000,
  );
  return {
    note(who, text) {
      if (!live) return say(who, text);
      erase();
      say(who, text);
      draw();
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      if (live) erase();
    },
  };
}

/** Rows of label, value and an optional remark, the values right-aligned in one column. */
export function printTable(title: string, rows: readonly (readonly [string, string, string?])[]) {
  const labelWidth = Math.max(...rows.map(([label]) => label.length));
  const valueWidth = Math.max(...rows.map(([, value]) => value.length));
  console.log(title);
  for (const [label, value, remark] of rows)
    console.log(
      `  ${label.padEnd(labelWidth)}  ${value.padStart(valueWidth)}${remark === undefined ? "" : `  ${remark}`}`,
    );
}
