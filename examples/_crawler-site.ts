/**
 * The synthetic site that examples/crawler.ts crawls: a node:http server on 127.0.0.1 with a
 * few hundred linked pages, flaky on purpose.
 *
 * Everything is decided by a seeded PRNG when the site is built, so every run serves the same
 * site and fails in the same way: which pages link where, which fail, and how. A page's
 * fault depends on how many times it has been requested (its attempt number), never on the
 * clock: a flaky page fails its first attempt or two, then answers. Kinds of trouble:
 *
 * - 500: "Internal Server Error", on the first attempt or the first two;
 * - slow: the page comes after 300–800 ms, longer than the crawler waits;
 * - reset: the connection is destroyed without an answer;
 * - dead pages answer 500 every time; poison pages answer 200 with a link no URL parser
 *   accepts; a few links point to pages that do not exist (404).
 *
 * The server also measures what the crawler cannot hide from it: every request's arrival
 * time, so it can say how many requests arrived in the busiest window of a given length.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface SiteOptions {
  /** Pages on the site, `/page/0` (the home page) to `/page/<pages - 1>`. */
  readonly pages: number;
  /** Pages that answer 500 to every request. */
  readonly dead: number;
  /** Pages whose HTML holds a link that no URL parser accepts. */
  readonly poison: number;
  /** Links (on healthy pages) to pages that do not exist. */
  readonly broken: number;
  readonly seed: number;
}

/** The site as built: what a complete crawl must account for. */
export interface SiteLayout {
  readonly pages: number;
  readonly dead: number;
  readonly poison: number;
  readonly broken: number;
}

export interface SiteStats {
  /** Requests received, retries included. */
  readonly requests: number;
  /** Distinct URLs requested: `requests - urls` are repeats, i.e. retries. */
  readonly urls: number;
  /** Requests that arrived in the last second. */
  readonly lastSecond: number;
}

export interface Site {
  /** `http://127.0.0.1:<port>/`; the crawl starts at `${url}page/0`. */
  readonly url: string;
  readonly layout: SiteLayout;
  stats(): SiteStats;
  /** The most requests that arrived within any `windowMs` ms (a sliding window). */
  busiestWindow(windowMs: number): number;
  /** Stops the server: cancels slow answers and closes every connection. */
  close(): Promise<void>;
}

type Fault = "500" | "slow" | "reset";

interface Page {
  readonly kind: "healthy" | "dead" | "poison";
  readonly html: string;
  /** What the first attempts meet, in order; later attempts are answered. */
  readonly faults: readonly Fault[];
  readonly slowMs: number;
}

/** mulberry32: a small seeded PRNG giving numbers in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  "actor mailbox message supervisor restart thread pool limit token bucket retry backoff " +
  "timeout signal router routee crawl frontier page link queue event loop worker parse"
).split(" ");

/** A healthy page's faults, drawn by `r` in [0, 1): how often each plan comes up. */
const FAULT_PLANS: readonly (readonly [number, readonly Fault[]])[] = [
  [0.08, ["500"]],
  [0.04, ["500", "500"]],
  [0.06, ["slow"]],
  [0.04, ["reset"]],
  [0.02, ["reset", "slow"]],
]; // the other 76 %: no fault at all

function faultsFor(r: number): readonly Fault[] {
  for (const [share, faults] of FAULT_PLANS) {
    if (r < share) return faults;
    r -= share;
  }
  return [];
}

function build(options: SiteOptions): Page[] {
  const random = prng(options.seed);
  const pick = (n: number): number => Math.floor(random() * n);
  const n = options.pages;

  // The home page is healthy; dead and poison pages are drawn from the rest.
  const kinds: Page["kind"][] = Array.from({ length: n }, () => "healthy");
  const draw = (kind: Page["kind"], count: number): void => {
    for (let placed = 0; placed < count;) {
      const i = 1 + pick(n - 1);
      if (kinds[i] === "healthy") {
        kinds[i] = kind;
        placed++;
      }
    }
  };
  draw("dead", options.dead);
  draw("poison", options.poison);
  const healthyBelow = (i: number): number => {
    for (;;) {
      const p = pick(i);
      if (kinds[p] === "healthy") return p;
    }
  };

  const links: string[][] = Array.from({ length: n }, () => []);
  // Every page gets a link from a healthy page before it, so a crawl from /page/0 finds them
  // all; then some random links on top, which make cycles and repeats the crawler must skip.
  for (let i = 1; i < n; i++) links[healthyBelow(i)]?.push(`/page/${i}`);
  for (let i = 0; i < n; i++)
    for (let k = 2 + pick(3); k > 0; k--) links[i]?.push(`/page/${pick(n)}`);
  for (let b = 0; b < options.broken; b++) links[healthyBelow(n)]?.push(`/page/${n + b}`);

  return kinds.map((kind, i) => {
    const words = Array.from({ length: 60 + pick(200) }, () => WORDS[pick(WORDS.length)]);
    const faults = i === 0 || kind !== "healthy" ? [] : faultsFor(random());
    return {
      kind,
      html: html(i, kind, links[i] ?? [], words.join(" ")),
      faults,
      slowMs: 300 + pick(500),
    };
  });
}

function html(index: number, kind: Page["kind"], links: readonly string[], text: string): string {
  const items = links.map((href) => `<li><a href="${href}">${href}</a></li>`);
  // A poison page: a link with an unterminated IPv6 host, which `new URL()` refuses.
  if (kind === "poison") items.push(`<li><a href="http://[mirror/page/${index}">mirror</a></li>`);
  return (
    `<!doctype html><html><head><title>Page ${index}</title></head><body>` +
    `<h1>Page ${index}</h1><p>${text}</p><ul>${items.join("")}</ul></body></html>`
  );
}

/** The most of `times` (ascending, in ms) that fall within any `windowMs` ms (a sliding window). */
export function busiestWindow(times: readonly number[], windowMs: number): number {
  // Two pointers: times[from..to] is the longest run spanning less than the window.
  let most = 0;
  for (let from = 0, to = 0; to < times.length; to++) {
    while ((times[to] ?? 0) - (times[from] ?? 0) >= windowMs) from++;
    most = Math.max(most, to - from + 1);
  }
  return most;
}

/** Builds the site and starts serving it on 127.0.0.1 at a free port. */
export async function startSite(options: SiteOptions): Promise<Site> {
  const pages = build(options);
  const seen = new Map<string, number>(); // URL -> requests so far
  const arrivals: number[] = []; // performance.now() of every request, in order
  const slow = new Set<NodeJS.Timeout>();

  const send = (res: ServerResponse, status: number, body: string): void => {
    res.writeHead(status, { "content-type": "text/html; charset=utf-8" }).end(body);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    arrivals.push(performance.now());
    const path = req.url ?? "/";
    const attempt = (seen.get(path) ?? 0) + 1;
    seen.set(path, attempt);

    const index = /^\/page\/(\d+)$/.exec(path)?.[1];
    const page = index === undefined ? undefined : pages[Number(index)];
    if (index === undefined || page === undefined) return send(res, 404, "Not Found");
    const fault = page.kind === "dead" ? "500" : page.faults[attempt - 1];
    switch (fault) {
      case "500":
        return send(res, 500, "Internal Server Error");
      case "reset":
        req.socket.destroy();
        return;
      case "slow": {
        const timer = setTimeout(() => {
          slow.delete(timer);
          send(res, 200, page.html);
        }, page.slowMs);
        slow.add(timer);
        // The crawler gives up first and closes the connection: no answer is owed any more.
        res.once("close", () => {
          clearTimeout(timer);
          slow.delete(timer);
        });
        return;
      }
      case undefined:
        return send(res, 200, page.html);
      default:
        return fault satisfies never;
    }
  });
  // Idle connections stay open for the whole crawl: a server that closed one just as the
  // client reused it would lose that request.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject).listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/`,
    layout: {
      pages: options.pages,
      dead: options.dead,
      poison: options.poison,
      broken: options.broken,
    },
    stats() {
      const now = performance.now();
      let lastSecond = 0;
      for (let i = arrivals.length - 1; i >= 0 && now - (arrivals[i] ?? 0) < 1_000; i--)
        lastSecond++;
      return { requests: arrivals.length, urls: seen.size, lastSecond };
    },
    busiestWindow: (windowMs) => busiestWindow(arrivals, windowMs),
    async close() {
      for (const timer of slow) clearTimeout(timer);
      slow.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections(); // keep-alive connections would otherwise hold it open
      await closed;
    },
  };
}
