/**
 * The crawler's task module: it runs in the thread pool's worker threads, never on the event
 * loop (examples/crawler.ts names it by URL and offloads `parse` to it).
 */

export interface Parsed {
  /** The page's links as absolute URLs on the same site, each once, in page order. */
  readonly links: string[];
  /** Words of text, tags left out. */
  readonly words: number;
}

const LINK = /<a\s[^>]*?href="([^"]*)"/g;
const TAG = /<[^>]*>/g;

/** Extracts the links and counts the words of the HTML page found at `url`. */
export function parse(html: string, url: string): Parsed {
  const origin = new URL(url).origin;
  const links = new Set<string>();
  for (const [, href] of html.matchAll(LINK)) {
    // Throws TypeError "Invalid URL" for a link no parser accepts. Not caught on purpose:
    // the crawler lets a page it cannot read fail the fetcher that parses it.
    const link = new URL(href ?? "", url);
    link.hash = "";
    if (link.origin === origin) links.add(link.href);
  }
  const text = html.replace(TAG, " ");
  const words = text.split(/\s+/).filter((word) => word.length > 0).length;
  return { links: [...links], words };
}
