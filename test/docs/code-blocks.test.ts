/**
 * The rule: every TypeScript block in README.md and docs/*.md is either taken from a
 * runnable example or checked by this test, so the docs cannot drift from the code.
 *
 * - Every `ts` block is type-checked as its own module against the sources (`troupe`,
 *   `troupe/testing`, `troupe/actors` and `troupe/http` mapped to them), in one program
 *   for all blocks, with the repository's strict settings. A fragment gets its context
 *   from a `<!-- setup: ... -->` comment right before it; `<!-- file: tasks.ts -->` names a
 *   block so that its siblings can import it.
 * - A block marked `<!-- run -->` is a complete program and is also run with
 *   `node --import tsx`: it must exit by itself with code 0 and print nothing on stderr. A
 *   marked block that imports vitest is a test file: those run in one `vitest run`, and
 *   their tests must pass.
 * - A block marked `<!-- from: examples/x.ts -->` is an excerpt: its lines must appear in
 *   that example, in order.
 *
 * The programs start first and run while the type check works (each in its own process).
 * docs/api/ is generated and not covered. The markers are described in markdown-blocks.ts.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/run-program.js";
import { BlockWorkspace, type BlockError } from "./block-workspace.js";
import { excerptMismatch } from "./excerpt.js";
import { parseMarkdownCode, readMarkdownCode, type CodeBlock } from "./markdown-blocks.js";
import { isTestFile, limiter, runProgram, runTestFiles } from "./run-blocks.js";

const DOCS = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`),
];

/** Longest a documented program may run. */
const RUN_TIMEOUT_MS = 20_000;
/** Programs run at once (each is a node process, some with worker threads). */
const RUN_CONCURRENCY = 3;

const HOW_TO_MARK =
  "Fix the block to match the API, or give a fragment its context in a `<!-- setup: ... -->` " +
  "comment right before it (imports, a `system`, `declare`d stand-ins), or, if it is taken " +
  "from a runnable example, mark it `<!-- from: examples/<file>.ts -->`.";

/** A page the checker must get right: it proves that a broken block fails. */
const SELF_TEST_DOC = "checker-self-test.md";
const SELF_TEST = `
<!-- file: shapes.ts -->
\`\`\`ts
export function area(width: number, height: number): number {
  return width * height;
}
\`\`\`

<!-- setup:
import { area } from "./shapes.js";
-->

\`\`\`ts
const a: number = area(2, 3);
const b: number = area("2", 3);
\`\`\`

\`\`\`ts
import { ActorSystem } from "troupe";
new ActorSystem().shutdwn();
\`\`\`
`;

const code = DOCS.map((doc) => readMarkdownCode(ROOT, doc));
const selfTest = parseMarkdownCode(SELF_TEST_DOC, SELF_TEST);

let workspace: BlockWorkspace;
let typeErrors: BlockError[];
/** The outcome of each `run` block's program, started before the type check ends. */
const runs = new Map<CodeBlock, Promise<string[]>>();

beforeAll(async () => {
  workspace = new BlockWorkspace(ROOT);
  for (const { blocks, hiddenFiles } of [...code, selfTest]) {
    for (const block of blocks) if (block.from === undefined) workspace.addBlock(block);
    for (const hidden of hiddenFiles) workspace.addHiddenFile(hidden);
  }
  const programs = workspace.writeRunnable();
  const runBlocks = code.flatMap(({ blocks }) => blocks.filter((b) => b.run));
  // The test files first, in one vitest process: the longest run.
  const testFiles = new Map<string, string>();
  for (const block of runBlocks) {
    const path = programs.get(block);
    if (path !== undefined && isTestFile(block.setup + block.code))
      testFiles.set(path, where(block));
  }
  const testResults =
    testFiles.size === 0
      ? Promise.resolve(new Map<string, string[]>())
      : runLimited(() => runTestFiles(ROOT, workspace.runDir, testFiles, RUN_TIMEOUT_MS));
  for (const block of runBlocks) {
    const path = programs.get(block);
    let outcome: Promise<string[]>;
    if (path === undefined) outcome = Promise.resolve([`${where(block)}: no program written`]);
    else if (testFiles.has(path)) outcome = testResults.then((r) => r.get(path) ?? []);
    else outcome = runLimited(() => runProgram(where(block), path, RUN_TIMEOUT_MS));
    runs.set(block, outcome);
  }
  typeErrors = await workspace.typecheck();
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(runs.values()); // no program outlives the test
  workspace.remove();
}, 60_000);

const runLimited = limiter(RUN_CONCURRENCY);

function where(block: CodeBlock): string {
  return `${block.doc}:${block.line}`;
}

/** What is wrong with the markers of a block. */
function markerProblems(block: CodeBlock): string[] {
  const problems = block.unknownMarkers.map(
    (marker) =>
      `${where(block)}: unknown marker ${marker}; use setup:, file:, run or from: (test/docs/markdown-blocks.ts)`,
  );
  if (block.from !== undefined) {
    if (block.run || block.setup !== "" || block.file !== undefined)
      problems.push(`${where(block)}: an excerpt (from:) is compared, not run or imported`);
    if (!/^examples\/[\w.-]+\.ts$/.test(block.from))
      problems.push(`${where(block)}: from: must name examples/<file>.ts, not ${block.from}`);
  }
  return problems;
}

function excerptProblems(block: CodeBlock): string[] {
  if (block.from === undefined) return [];
  const path = join(ROOT, block.from);
  if (!existsSync(path)) return [`${where(block)}: from: ${block.from} does not exist`];
  const mismatch = excerptMismatch(block.code, readFileSync(path, "utf8"));
  return mismatch === undefined
    ? []
    : [`${where(block)}: not an excerpt of ${block.from}: ${mismatch}`];
}

describe("the checker", () => {
  it("reads blocks, markers, setups and file names", () => {
    const [shapes, fragment, broken] = selfTest.blocks;
    expect(selfTest.blocks).toHaveLength(3);
    expect(shapes).toMatchObject({ line: 3, file: "shapes.ts", setup: "", run: false });
    expect(fragment).toMatchObject({ line: 13, setup: 'import { area } from "./shapes.js";\n' });
    expect(fragment?.setupLine).toBe(10);
    expect(broken?.unknownMarkers).toEqual([]);
  });

  it("reports type errors at the markdown line of the block, and only there", () => {
    const errors = typeErrors.filter((e) => e.doc === SELF_TEST_DOC);
    expect(errors.map((e) => e.line)).toEqual([15, 20]);
    expect(errors[0]?.message).toMatch(/not assignable to parameter of type 'number'/);
    expect(errors[1]?.message).toMatch(/shutdwn/);
  });

  it("matches excerpts line by line, in order and contiguously", () => {
    const source = "const a = 1;\n\n  const b = 2;\nconst c = 3;\n";
    expect(excerptMismatch("const a = 1;\nconst b = 2;", source)).toBeUndefined();
    expect(excerptMismatch("const b = 2;\n\nconst c = 3;", source)).toBeUndefined();
    expect(excerptMismatch("const a = 1;\nconst c = 3;", source)).toMatch(/differs at/);
    expect(excerptMismatch("const z = 0;", source)).toMatch(/first line is not in the file/);
  });
});

describe.concurrent("every TypeScript block of the docs is checked", () => {
  for (const [index, doc] of DOCS.entries()) {
    const { blocks } = code[index] ?? { blocks: [] };
    if (blocks.length === 0) continue;
    const programs = blocks.filter((b) => b.run).length;
    const excerpts = blocks.filter((b) => b.from !== undefined).length;
    const title = `${doc}: ${blocks.length} blocks (${programs} run, ${excerpts} excerpts)`;

    it(title, { timeout: 120_000 }, async () => {
      const problems = blocks.flatMap((block) => [
        ...markerProblems(block),
        ...excerptProblems(block),
      ]);
      for (const error of typeErrors.filter((e) => e.doc === doc))
        problems.push(`${doc}:${error.line}: ${error.message}`);
      if (problems.length > 0) problems.push(HOW_TO_MARK);
      // A program that does not compile fails to run too: report its type errors only.
      else
        for (const block of blocks.filter((b) => b.run))
          problems.push(...(await (runs.get(block) ?? Promise.resolve([]))));
      if (problems.length > 0) throw new Error(problems.join("\n\n"));
    });
  }

  it("has no errors outside the blocks (configuration, sources)", () => {
    expect(typeErrors.filter((e) => e.doc === "(program)")).toEqual([]);
  });
});
