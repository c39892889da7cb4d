/**
 * The check for blocks marked `<!-- from: examples/x.ts -->`: the block's lines, trimmed and
 * without blank lines, must appear in the example in the same order and next to each other
 * (blank lines of the example are skipped too), so an excerpt cannot drift from the code it
 * was taken from.
 */

function significantLines(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/**
 * Undefined when `excerpt` appears in `source`; otherwise a description of the first line
 * that does not match, at the place where the longest prefix of the excerpt was found.
 */
export function excerptMismatch(excerpt: string, source: string): string | undefined {
  const wanted = significantLines(excerpt);
  const lines = significantLines(source);
  if (wanted.length === 0) return "the block is empty";
  let best = 0;
  for (let start = 0; start + wanted.length <= lines.length; start++) {
    let matched = 0;
    while (matched < wanted.length && lines[start + matched] === wanted[matched]) matched++;
    if (matched === wanted.length) return undefined;
    best = Math.max(best, matched);
  }
  return best === 0
    ? `its first line is not in the file: ${JSON.stringify(wanted[0])}`
    : `its lines match up to ${JSON.stringify(wanted[best - 1])}, then the file differs at ${JSON.stringify(wanted[best])}`;
}
