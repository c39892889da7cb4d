/**
 * Writes the documentation's code blocks out as modules and checks them:
 *
 * - `typecheck/`: one `.ts` file per block (its setup prepended), one folder per markdown
 *   file so that sibling blocks can import each other (`./tasks.js`), and a tsconfig that
 *   extends the repository's strict one and maps `troupe`, `troupe/testing`,
 *   `troupe/actors` and `troupe/http` to the sources with `paths`. All blocks are checked
 *   in one TypeScript program.
 * - `run/`: the same files with the `troupe` specifiers rewritten to the sources' absolute
 *   paths, for `node --import tsx`.
 *
 * The workspace lives in the OS temp folder, with a `node_modules` link to the
 * repository's, so that blocks can import `ws`, `vitest` and the other dependencies.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CodeBlock, HiddenFile } from "./markdown-blocks.js";
import type { Diagnostic } from "./typecheck-program.js";

/** The package specifiers blocks import, and the source files they stand for. */
export const ENTRY_POINTS: Readonly<Record<string, string>> = {
  troupe: "src/index.ts",
  "troupe/testing": "src/testing/index.ts",
  "troupe/actors": "actors/index.ts",
  "troupe/http": "src/http/index.ts",
};

/** One generated module: where it came from, and how its lines map back to the markdown. */
export interface BlockModule {
  readonly doc: string;
  /** Path relative to the markdown file's folder in the workspace (`tasks.ts`, `block-73.ts`). */
  readonly name: string;
  readonly text: string;
  /** Lines of the module that come from a setup comment (prepended). */
  readonly setupLines: number;
  /** Markdown line of the module's first setup line. */
  readonly setupLine: number;
  /** Markdown line of the module's first block line. */
  readonly codeLine: number;
  readonly block: CodeBlock | undefined;
}

export interface BlockError {
  readonly doc: string;
  /** Markdown line the error points at. */
  readonly line: number;
  readonly message: string;
}

export class BlockWorkspace {
  readonly dir: string;
  readonly #root: string;
  readonly #modules: BlockModule[] = [];

  constructor(root: string) {
    this.#root = root;
    this.dir = mkdtempSync(join(tmpdir(), "troupe-doc-blocks-"));
    symlinkSync(join(root, "node_modules"), join(this.dir, "node_modules"), "dir");
    // Blocks use top-level await: they are ES modules.
    writeFileSync(join(this.dir, "package.json"), '{ "type": "module" }\n');
  }

  /** Adds a block (excerpts are not modules: they are compared with their example instead). */
  addBlock(block: CodeBlock): BlockModule {
    const setupLines = block.setup === "" ? 0 : block.setup.split("\n").length - 1;
    const module: BlockModule = {
      doc: block.doc,
      name: block.file ?? `block-${block.line}.ts`,
      text: block.setup + block.code,
      setupLines,
      setupLine: block.setupLine,
      codeLine: block.line + 1,
      block,
    };
    this.#modules.push(module);
    return module;
  }

  addHiddenFile(hidden: HiddenFile): void {
    this.#modules.push({
      doc: hidden.doc,
      name: hidden.file,
      text: hidden.code,
      setupLines: 0,
      setupLine: hidden.line,
      codeLine: hidden.line,
      block: undefined,
    });
  }

  /**
   * Writes every module under `typecheck/` and checks them all in one program, in a child
   * process (typecheck-program.ts), so that the documented programs can run meanwhile.
   */
  async typecheck(): Promise<BlockError[]> {
    const base = join(this.dir, "typecheck");
    const files = this.#write(base, (text) => text);
    const paths: Record<string, string[]> = {};
    for (const [specifier, source] of Object.entries(ENTRY_POINTS))
      paths[specifier] = [join(this.#root, source)];
    const tsconfig = {
      extends: join(this.#root, "tsconfig.json"),
      compilerOptions: { noEmit: true, moduleDetection: "force", paths, types: ["node"] },
      files: [...files.keys()],
      // The sources come in through the imports; their ambient declarations must be listed.
      include: ["src", "actors"].map((dir) => join(this.#root, dir, "**/*.d.ts")),
    };
    const config = join(base, "tsconfig.json");
    writeFileSync(config, `${JSON.stringify(tsconfig, null, 2)}\n`);

    const child = spawn(
      process.execPath,
      ["--import", "tsx", fileURLToPath(new URL("typecheck-program.ts", import.meta.url)), config],
      { cwd: this.#root, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const [code] = (await once(child, "close")) as [number | null];
    if (code !== 0 || stderr !== "")
      return [
        { doc: "(program)", line: 0, message: `the type check failed (${code}):\n${stderr}` },
      ];
    return (JSON.parse(stdout) as Diagnostic[]).map((d) => {
      const module = files.get(d.file);
      const message = `(column ${d.column}) ${d.message}`;
      return module === undefined
        ? { doc: "(program)", line: 0, message: `${d.file}:${d.line}: ${message}` }
        : toBlockError(module, d.line, message);
    });
  }

  /**
   * Writes every module under `run/`, with the troupe specifiers pointing at the sources,
   * and returns the path of each block's module.
   */
  writeRunnable(): Map<CodeBlock, string> {
    const specifiers = Object.keys(ENTRY_POINTS).sort((a, b) => b.length - a.length);
    const rewrite = (text: string): string =>
      text.replace(
        /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(troupe(?:\/[\w-]+)?)\2/g,
        (whole, keyword: string, quote: string, specifier: string) => {
          const source = specifiers.includes(specifier) ? ENTRY_POINTS[specifier] : undefined;
          return source === undefined
            ? whole
            : `${keyword}${quote}${join(this.#root, source)}${quote}`;
        },
      );
    const byBlock = new Map<CodeBlock, string>();
    for (const [path, module] of this.#write(this.runDir, rewrite))
      if (module.block !== undefined) byBlock.set(module.block, path);
    return byBlock;
  }

  /** Where `writeRunnable` writes. */
  get runDir(): string {
    return join(this.dir, "run");
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  #write(base: string, transform: (text: string) => string): Map<string, BlockModule> {
    const files = new Map<string, BlockModule>();
    for (const module of this.#modules) {
      const folder = join(base, folderOf(module.doc));
      mkdirSync(folder, { recursive: true });
      const path = join(folder, module.name);
      if (files.has(path)) throw new Error(`${module.doc}: two modules named ${module.name}`);
      writeFileSync(path, transform(module.text));
      files.set(path, module);
    }
    return files;
  }
}

/** `docs/threads.md` → `docs-threads`. */
function folderOf(doc: string): string {
  return doc.replace(/\.md$/, "").replace(/[^\w-]+/g, "-");
}

/** Maps a line of a generated module back to the markdown. */
function toBlockError(module: BlockModule, line: number, message: string): BlockError {
  const inSetup = line <= module.setupLines;
  return {
    doc: module.doc,
    line: inSetup ? module.setupLine + line - 1 : module.codeLine + line - 1 - module.setupLines,
    message: inSetup ? `(in the setup comment) ${message}` : message,
  };
}
