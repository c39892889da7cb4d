/**
 * Finds the TypeScript code blocks of the documentation and the markers written next to
 * them in HTML comments (which render as nothing). A block's markers are the comments
 * directly before its fence, separated from it and from each other by blank lines at most:
 *
 * - `<!-- setup: ...code... -->`: code prepended to the block when it is type-checked or
 *   run (context a fragment needs: imports, a `system`, a `declare`d stand-in);
 * - `<!-- file: tasks.ts -->`: names the block's module, so that sibling blocks of the same
 *   markdown file can import it (`./tasks.js`);
 * - `<!-- run -->`: the block (with its setup) is a complete program; it is also run (as a
 *   test file with vitest when it imports vitest);
 * - `<!-- from: examples/x.ts -->`: the block is an excerpt of a runnable example; its lines
 *   must appear in that file, in order and contiguously (it is not type-checked).
 *
 * Every block but an excerpt is type-checked. A `file:` comment with code after its first line,
 * anywhere in the markdown file, defines a hidden module instead (`<!-- file: tasks.ts`, the
 * code, `-->`), for blocks that import a module the page does not show.
 */
import { readFileSync } from "node:fs";

/** The languages whose blocks are checked; every other fence (sh, json, mermaid…) is not code to check. */
export const TS_LANGUAGES: ReadonlySet<string> = new Set(["ts", "typescript"]);

export interface CodeBlock {
  /** The markdown file, relative to the repository root (`docs/threads.md`). */
  readonly doc: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The code, without the fences, ending in a newline. */
  readonly code: string;
  /** Code prepended by a `setup:` comment, or "" (ending in a newline when not empty). */
  readonly setup: string;
  /** 1-based line of the `setup:` comment's first code line (for error positions). */
  readonly setupLine: number;
  /** Module name given by `file:`, e.g. `tasks.ts`. */
  readonly file: string | undefined;
  readonly run: boolean;
  /** Example file given by `from:`, relative to the repository root. */
  readonly from: string | undefined;
  /** Marker comments that mean nothing (typos), to be reported. */
  readonly unknownMarkers: readonly string[];
}

export interface HiddenFile {
  readonly doc: string;
  /** 1-based line of the comment's first code line. */
  readonly line: number;
  readonly file: string;
  readonly code: string;
}

export interface MarkdownCode {
  readonly blocks: readonly CodeBlock[];
  readonly hiddenFiles: readonly HiddenFile[];
}

interface Comment {
  /** 1-based line of `<!--`. */
  readonly start: number;
  /** 1-based line of `-->`. */
  readonly end: number;
  /** The text between `<!--` and `-->`, lines kept. */
  readonly body: string;
}

const FENCE = /^\s*(`{3,}|~{3,})\s*([\w-]*)/;

/** Reads the TypeScript blocks and hidden files of one markdown file. */
export function readMarkdownCode(root: string, doc: string): MarkdownCode {
  return parseMarkdownCode(doc, readFileSync(`${root}/${doc}`, "utf8"));
}

/** The TypeScript blocks and hidden files of markdown text; `doc` names it in the results. */
export function parseMarkdownCode(doc: string, markdown: string): MarkdownCode {
  const lines = markdown.split("\n");
  const blocks: CodeBlock[] = [];
  const hiddenFiles: HiddenFile[] = [];
  /** Comments seen since the last content line, in order. */
  let pending: Comment[] = [];

  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] ?? "";
    const fence = FENCE.exec(text);
    if (fence !== null) {
      const [, marks = "```", lang = ""] = fence;
      let end = i + 1;
      while (end < lines.length && !(lines[end] ?? "").trimStart().startsWith(marks)) end++;
      if (TS_LANGUAGES.has(lang.toLowerCase()))
        blocks.push(makeBlock(doc, i + 1, dedent(lines.slice(i + 1, end)), pending));
      pending = [];
      i = end;
      continue;
    }
    if (text.trimStart().startsWith("<!--")) {
      let end = i;
      while (end < lines.length && !(lines[end] ?? "").includes("-->")) end++;
      const raw = lines.slice(i, end + 1).join("\n");
      const body = raw.slice(raw.indexOf("<!--") + 4, raw.lastIndexOf("-->"));
      const comment: Comment = { start: i + 1, end: end + 1, body };
      const hidden = hiddenFile(doc, comment);
      if (hidden !== undefined) hiddenFiles.push(hidden);
      else pending.push(comment);
      i = end;
      continue;
    }
    if (text.trim() !== "") pending = [];
  }
  return { blocks, hiddenFiles };
}

function hiddenFile(doc: string, comment: Comment): HiddenFile | undefined {
  const match = /^\s*file:\s*(\S+)[ \t]*\n([\s\S]*)$/.exec(comment.body);
  if (match === null) return undefined;
  const [, file = "", code = ""] = match;
  if (code.trim() === "") return undefined;
  return { doc, line: comment.start + 1, file, code: withNewline(code) };
}

function makeBlock(
  doc: string,
  line: number,
  codeLines: readonly string[],
  comments: readonly Comment[],
): CodeBlock {
  let setup = "";
  let setupLine = 0;
  let file: string | undefined;
  let run = false;
  let from: string | undefined;
  const unknownMarkers: string[] = [];
  for (const { start, body } of comments) {
    const setupMatch = /^\s*setup:[ \t]*(\n?)([\s\S]*)$/.exec(body);
    const key = /^\s*(file|from):\s*(\S+)\s*$/.exec(body);
    if (setupMatch !== null) {
      setup = withNewline(setupMatch[2] ?? "");
      // The code starts on the line after `<!-- setup:`, or on that line.
      setupLine = setupMatch[1] === "" ? start : start + 1;
    } else if (/^\s*run\s*$/.test(body)) run = true;
    else if (key?.[1] === "file") file = key[2];
    else if (key?.[1] === "from") from = key[2];
    else unknownMarkers.push(`line ${start}: <!--${body}-->`);
  }
  return {
    doc,
    line,
    code: withNewline(codeLines.join("\n")),
    setup,
    setupLine,
    file,
    run,
    from,
    unknownMarkers,
  };
}

/** Removes the indentation common to all non-blank lines (a block inside a list item). */
function dedent(lines: readonly string[]): string[] {
  const indents = lines.filter((l) => l.trim() !== "").map((l) => /^\s*/.exec(l)?.[0].length ?? 0);
  const common = Math.min(...indents, Infinity);
  return common === 0 || common === Infinity ? [...lines] : lines.map((l) => l.slice(common));
}

function withNewline(code: string): string {
  const trimmed = code.replace(/\s+$/, "");
  return trimmed === "" ? "" : `${trimmed}\n`;
}
