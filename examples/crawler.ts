/**
 * Crawler: a supervised, rate-limited crawl of a flaky site, parsing on the thread pool.
 *
 * The example starts a small website on 127.0.0.1 (examples/_crawler-site.ts): 400 linked
 * pages, flaky on purpose and the same on every run. Some answers are 500s, some come too
 * late, some connections are reset; a few pages always fail, a few hold a link that breaks
 * the parser, a few links lead nowhere. Then it crawls the site from its home page with
 * this tree, started with `system.start(supervisor(...))`:
 *
 *   /user/crawler                      a supervisor with oneForOne()
 *   /user/crawler/store                the frontier and the results: it hands out URLs,
 *                                      collects pages and failures, and knows when it is done
 *   /user/crawler/fetchers             a router: each URL goes to the least-loaded fetcher
 *   /user/crawler/fetchers/routee-0..7 fetch a page, parse it on the thread pool, reply
 *
 * What each part shows:
 * - one RateLimiter shared by all the fetchers: every request, retries included, takes a
 *   token first, so together they never send more than the limit;
 * - `retry` with exponential backoff around `timeout`: 500s, resets and slow answers are
 *   tried again; a 404 is not (it will not come back);
 * - let it crash: what retrying cannot fix (a page that keeps failing, a page the parser
 *   chokes on) fails the fetcher's handler. The ask rejects, so the store records the page
 *   as failed, and the router's supervision restarts that fetcher in place;
 * - `this.offload`: the HTML is parsed in a worker thread, off the event loop;
 * - `pipeToSelf` and `stash`: the store never waits for a fetcher, and answers the
 *   "report" ask only once the frontier is empty and nothing is in flight.
 *
 * On a terminal the progress is one line redrawn in place; piped (or with CI set) it is a
 * line a second. Then a summary, and checks: every URL found is accounted for, no second
 * saw more requests sent than the limit allows, and the site received no request the
 * limiter did not let through. `--serve` also starts the dashboard (on port 7070, or
 * `--port N`; 0 picks a free one) and keeps it up after the crawl, until Ctrl-C.
 *
 * Run it with `npm run example -- crawler [--serve] [--port N]`.
 */
// Inside this repository the examples import the source; your code imports "troupe",
// "troupe/actors" and "troupe/http".
import { once } from "node:events";
import { parseArgs } from "node:util";
import {
  Actor,
  ActorSystem,
  RateLimiter,
  RetriesExhaustedError,
  TimeoutError,
  backoff,
  child,
  oneForOne,
  retry,
  retryPolicy,
  supervisor,
  taskModule,
  timeout,
} from "../src/index.js";
import { routed, router, type RoutedRef, type Router } from "../actors/index.js";
import { serve } from "../src/http/index.js";
import { HttpError, getText, isConnectionError } from "./_crawler-http.js";
import { isLive, printTable, say, showProgress, type Display } from "./_crawler-progress.js";
import { busiestWindow, startSite } from "./_crawler-site.js";
import type * as Tasks from "./_crawler-tasks.js";

const { values: flags } = parseArgs({
  options: { serve: { type: "boolean", default: false }, port: { type: "string" } },
});
const port = flags.port === undefined ? 7070 : Number(flags.port);

const SITE = { pages: 400, dead: 4, poison: 4, broken: 3, seed: 2024 };
const FETCHERS = 8;
/** The shared budget: 60 requests a second, and a burst of 10 after a quiet spell. */
const RATE = 60;
const BURST = 10;
/** A page slower than this counts as a failed attempt (the site's slow pages take 300+ ms). */
const REQUEST_TIMEOUT_MS = 250;
/** URLs the store keeps in flight: one running and one waiting per fetcher. */
const WINDOW = 2 * FETCHERS;

const tasks = taskModule<typeof Tasks>(new URL("./_crawler-tasks.ts", import.meta.url));

/** A fetched page, as a fetcher replies it. */
interface Page {
  readonly links: readonly string[];
  readonly words: number;
}

/**
 * What is worth another try: a timeout, a reset connection, a 5xx. Anything else (a 404, a
 * bug) fails the same way every time, so it ends the retry at once. After attempt n fails
 * the wait is 50 × 2^(n-1) ms (± 20 % jitter, so fetchers that failed together do not
 * come back together).
 */
const transient = retryPolicy({
  maxAttempts: 4,
  backoff: backoff({ min: 50, max: 400 }),
  retryIf: (error) =>
    error instanceof TimeoutError ||
    isConnectionError(error) ||
    (error instanceof HttpError && error.status >= 500),
});

// ------------------------------------------------------------------------------ the actors

/** Fetches pages; a routee of the router, so there are FETCHERS of it. */
class Fetcher extends Actor {
  readonly #limiter: RateLimiter;
  readonly #sentAt: number[];

  /** All fetchers share one limiter, and one log of when requests went out (for the check). */
  constructor(limiter: RateLimiter, sentAt: number[]) {
    super();
    this.#limiter = limiter;
    this.#sentAt = sentAt;
  }

  /**
   * Fetches and parses one page. Nothing is caught here: when `retry` gives up
   * (RetriesExhaustedError) or the parser throws, the handler fails, its ask rejects with
   * that error, and the router's strategy restarts this fetcher.
   */
  async fetch(url: string): Promise<Page> {
    const html = await retry(
      async (_attempt, signal) => {
        // Inside the attempt, so that retries pay for their requests too. (The `rateLimit`
        // spawn option would count messages, and one message may make several requests.)
        await this.#limiter.acquire(1, { signal });
        this.#sentAt.push(performance.now());
        return await timeout((s) => getText(url, s), REQUEST_TIMEOUT_MS, { signal });
      },
      transient,
      { signal: this.signal }, // a stop or restart of this fetcher abandons the request
    );
    // Parsing is CPU work: on the pool it never holds up the event loop, which runs every
    // actor here (and the site too).
    const { links, words } = await this.offload(tasks.parse, html, url);
    return { links, words };
  }
}

interface Report {
  /** Distinct URLs discovered, the home page included. */
  readonly found: number;
  readonly fetched: number;
  readonly words: number;
  /** Why pages failed: each reason with how many pages failed that way. */
  readonly failures: ReadonlyMap<string, number>;
}

/**
 * The crawl's state: URLs seen, the frontier, what is in flight, the results. It handles one
 * message at a time, so this state needs no locks, and it is the one place that can tell
 * when the crawl is over.
 */
class Store extends Actor {
  readonly #seen = new Set<string>();
  readonly #frontier: string[] = [];
  #inFlight = 0;
  #fetched = 0;
  #words = 0;
  readonly #failed = new Map<string, string>(); // URL -> reason
  #router: RoutedRef<Fetcher, "one"> | undefined;

  /** URLs found on a page (or the seed): the new ones join the frontier. */
  discovered(urls: readonly string[]): void {
    for (const url of urls)
      if (!this.#seen.has(url)) {
        this.#seen.add(url);
        this.#frontier.push(url);
      }
    this.#dispatch();
  }

  /** A fetcher's reply, delivered as a message by pipeToSelf (see #dispatch). */
  fetched(page: Page): void {
    this.#inFlight--;
    this.#fetched++;
    this.#words += page.words;
    this.discovered(page.links);
  }

  /** A fetcher's failure, delivered the same way. */
  failed(url: string, error: Error): void {
    this.#inFlight--;
    this.#failed.set(url, reason(error));
    this.#dispatch();
  }

  progress(): { fetched: number; failed: number; queued: number; inFlight: number } {
    const queued = this.#frontier.length;
    return { fetched: this.#fetched, failed: this.#failed.size, queued, inFlight: this.#inFlight };
  }

  /**
   * Answers once the crawl is over. Asked earlier, the message is stashed (its ask stays
   * pending) and runs again when #dispatch unstashes it.
   */
  report(): Report {
    if (!this.#done()) this.context.stash();
    const failures = new Map<string, number>();
    for (const why of this.#failed.values()) failures.set(why, (failures.get(why) ?? 0) + 1);
    return { found: this.#seen.size, fetched: this.#fetched, words: this.#words, failures };
  }

  #done(): boolean {
    return this.#seen.size > 0 && this.#frontier.length === 0 && this.#inFlight === 0;
  }

  /** Sends URLs from the frontier to the fetchers, up to WINDOW of them in flight. */
  #dispatch(): void {
    const fetchers = this.#fetchers();
    while (this.#inFlight < WINDOW) {
      const url = this.#frontier.shift();
      if (url === undefined) break;
      this.#inFlight++;
      // The store does not await the reply (it would take no other message meanwhile):
      // pipeToSelf sends it back later, as a `fetched` or a `failed` message.
      this.pipeToSelf(
        fetchers.ask("fetch", url),
        (self, page) => self.fetched(page),
        (self, error) => self.failed(url, error),
      );
    }
    if (this.#done()) this.context.unstashAll(); // the stashed report ask runs again, and answers
  }

  /** The sibling router, looked up on first use: it starts after the store. */
  #fetchers(): RoutedRef<Fetcher, "one"> {
    if (this.#router !== undefined) return this.#router;
    const path = `${this.context.parent.path}/fetchers`;
    const ref = this.context.system.lookup<Router<Fetcher, "one">>(path);
    if (ref === undefined) throw new Error(`${this.context.path}: no router at ${path}`);
    // A fetch takes about a second at worst (4 attempts and their backoff); the ask's
    // limit is only a safety net, so it is set well above that.
    return (this.#router = routed(ref).with({ timeout: 30_000 }));
  }
}

/** A failure in a few words: "HTTP 500, 4 attempts", "TypeError: Invalid URL". */
function reason(error: Error): string {
  if (!(error instanceof RetriesExhaustedError)) return `${error.name}: ${error.message}`;
  const cause = error.cause;
  const what =
    cause instanceof HttpError
      ? `HTTP ${cause.status}`
      : cause instanceof Error
        ? cause.message
        : String(cause);
  return `${what}, ${error.attempts === 1 ? "not retried" : `${error.attempts} attempts`}`;
}

// ------------------------------------------------------------------------------ the run

const site = await startSite(SITE);
say(
  "site",
  `${site.url} ${SITE.pages} pages; ${SITE.dead} dead, ${SITE.poison} break the parser, ` +
    `${SITE.broken} broken links`,
);

const system = new ActorSystem({
  name: "crawler",
  // One parsing thread is plenty for small pages, and leaves the other core of a small
  // machine to the event loop.
  threads: { maxThreads: 1 },
});
let restarts = 0;
let display: Display | null = null;
system.events.on("restarted", ({ path, error, restarts: count }) => {
  restarts++;
  const fetcher = path.split("/").slice(-2).join("/");
  display?.note("restarted", `${fetcher} (restart ${count}): ${reason(error)}`);
});

const limiter = new RateLimiter({ rate: RATE, burst: BURST });
/** When each request went out, noted by the fetchers; outside the actors, like the limiter. */
const sentAt: number[] = [];
const crawler = system.start(
  supervisor({ name: "crawler" }, [
    child(Store, { name: "store" }),
    child(
      router(() => new Fetcher(limiter, sentAt), { routees: FETCHERS, routing: "least-loaded" }),
      {
        name: "fetchers",
        // How the router treats a failed fetcher: restart it (same ref, same mailbox). A
        // fetcher keeps nothing worth saving, and this site's bad pages stay far below the
        // limit of 50 restarts a minute, past which the fetcher would be stopped.
        supervision: oneForOne({ maxRestarts: 50, within: 60_000 }),
      },
    ),
  ]),
);
await crawler.ask("children"); // resolves once the store and the router are spawned
const store = system.lookup<Store>("crawler/store");
if (store === undefined) throw new Error("the store did not start");

if (flags.serve) {
  const server = await serve(system, { port });
  say("dashboard", server.url);
}

// Ctrl-C stops the crawl if it still runs, then everything shuts down gracefully.
const interrupt = new AbortController();
process.once("SIGINT", () => interrupt.abort());

// Start the parsing thread now (it loads the task module), so the crawl does not wait for it.
await system.threads.run(tasks.parse, ["<html></html>", site.url]);

const startedAt = performance.now();
display = showProgress(async () => {
  const counts = await store.ask("progress");
  const stats = site.stats();
  return {
    ...counts,
    elapsedMs: performance.now() - startedAt,
    retries: stats.requests - stats.urls,
    restarts,
    perSecond: stats.lastSecond,
  };
}, isLive());
store.tell("discovered", [`${site.url}page/0`]);
// No timer decides when the crawl is over: the store answers once it is.
const report = await store
  .with({ timeout: Infinity, signal: interrupt.signal })
  .ask("report")
  .catch((error: unknown) => {
    if (interrupt.signal.aborted) return null;
    throw error;
  });
const elapsedMs = performance.now() - startedAt;
display.stop();
display = null;

if (report === null) say("stopped", "interrupted: the crawl did not finish");
else summarize(report, elapsedMs);

if (flags.serve && !interrupt.signal.aborted) {
  say("serving", "the dashboard until Ctrl-C");
  await once(interrupt.signal, "abort");
}
await system.shutdown(); // the tree, then the thread pool; the dashboard closes with them
await site.close();
say("stopped", "the system and the site");

function summarize(report: Report, elapsedMs: number): void {
  const stats = site.stats();
  const failures = [...report.failures].sort(([a, m], [b, n]) => n - m || a.localeCompare(b));
  const failed = failures.reduce((sum, [, n]) => sum + n, 0);
  const limit = BURST + RATE;
  const busiestSent = busiestWindow(sentAt, 1_000);
  const seconds = elapsedMs / 1000;
  printTable("summary", [
    ["pages on the site", `${SITE.pages}`],
    ["URLs found", `${report.found}`, "the pages and the broken links"],
    ["fetched", `${report.fetched}`, `${report.words} words in all`],
    ["failed", `${failed}`],
    ...failures.map(([why, n]) => [`  ${why}`, `${n}`] as const),
    ["requests sent", `${sentAt.length}`, `retries included; the site received ${stats.requests}`],
    ["retries", `${stats.requests - stats.urls}`, "requests for a URL asked for before"],
    ["restarts", `${restarts}`, "of fetchers, by the router"],
    ["elapsed", `${seconds.toFixed(1)} s`],
    ["requests/s", `${(stats.requests / seconds).toFixed(1)}`],
    ["rate limit", `${RATE}/s`, `burst ${BURST}: at most ${limit} in any 1 s, for all fetchers`],
    ["busiest 1 s, sent", `${busiestSent}`, "requests sent in the busiest second"],
    [
      "busiest 1 s, received",
      `${site.busiestWindow(1_000)}`,
      "at the site: delays in transit can bunch a few more",
    ],
  ]);
  check(
    `every URL found was fetched or failed: ${report.fetched} + ${failed} = ${report.found}`,
    report.fetched + failed === report.found,
  );
  check(
    `at most burst + rate = ${limit} requests sent in any 1 s (busiest: ${busiestSent})`,
    busiestSent <= limit,
  );
  check(
    `the site got only requests the limiter let through (${stats.requests} of ${sentAt.length})`,
    stats.requests <= sentAt.length,
  );
}

function check(claim: string, ok: boolean): void {
  say("check", `${claim}: ${ok ? "OK" : "BROKEN"}`);
  if (!ok) process.exitCode = 1;
}
