/**
 * Where a worker thread starts, and how it loads TypeScript. A worker runs troupe's own entry
 * module (the pool's task runner, or the thread-resident actor host) and imports user modules
 * from URLs. Built (`dist/`), everything is JavaScript and the worker needs nothing extra.
 * From source (tsx in development, vitest in tests) the entry is a `.ts` file, and on Node 20
 * neither tsx nor vitest makes `.ts` loadable inside a worker: the worker gets a preload that
 * registers tsx's loader itself (`execArgv: ["--import", "data:…register()"]`).
 */
import { InvalidOptionError } from "../errors.js";

/** The `execArgv` that makes `.ts` modules loadable in a worker, or null when tsx is missing. */
function tsxPreload(): string[] | null {
  let api: string;
  try {
    api = import.meta.resolve("tsx/esm/api");
  } catch {
    return null;
  }
  const source = `import { register } from ${JSON.stringify(api)}; register();`;
  return ["--import", `data:text/javascript,${encodeURIComponent(source)}`];
}

/** True when this process runs TypeScript through tsx (its flags or NODE_OPTIONS name it). */
function hostUsesTsx(): boolean {
  const flags = `${process.execArgv.join(" ")} ${process.env["NODE_OPTIONS"] ?? ""}`;
  return /\btsx\b/.test(flags);
}

export interface WorkerScript {
  /** The entry module the worker runs. */
  readonly url: URL;
  /** The worker's `execArgv`: this process's flags that apply to a worker, and the preload. */
  readonly execArgv: string[];
}

/** Flags a worker inherits: the ones that decide how modules load and how warnings show. */
const INHERITED_WITH_VALUE = new Set([
  "--import",
  "--require",
  "-r",
  "--loader",
  "--experimental-loader",
  "--conditions",
  "-C",
]);
const INHERITED =
  /^--(no-)?(experimental-[a-z-]+|enable-source-maps|warnings|deprecation|trace-warnings|trace-deprecation|trace-uncaught|pending-deprecation)$/;

/**
 * The flags of `argv` (default: this process's `execArgv`) that a worker may inherit: module
 * loading (`--import`, `--require`, `--loader`, `--conditions`, `--experimental-*`) and
 * warnings. Everything else is left out: Node refuses V8 and per-process flags in a worker
 * (`--expose-gc`, `--max-old-space-size`: ERR_WORKER_INVALID_EXEC_ARGV), and main-entry
 * flags (`--input-type`, `--eval`) make every worker fail to start.
 */
export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const name = arg.startsWith("--") ? (arg.split("=")[0] as string) : arg;
    if (INHERITED_WITH_VALUE.has(name)) {
      kept.push(arg);
      if (!arg.includes("=") && i + 1 < argv.length) kept.push(argv[++i] as string);
    } else if (INHERITED.test(name)) kept.push(arg);
    else if (["--eval", "-e", "--print", "-p", "--input-type"].includes(name) && !arg.includes("="))
      i++; // skip the value too
  }
  return kept;
}

/**
 * The entry module `name` (without extension) next to `base` (a module's `import.meta.url`),
 * and the flags the worker needs. `typescript`: true forces the tsx preload (for `.ts` task
 * modules while troupe itself runs built), false forbids it, undefined decides: preload when
 * troupe runs from source or the process runs under tsx.
 */
export function workerScript(base: string, name: string, typescript?: boolean): WorkerScript {
  const fromSource = base.endsWith(".ts");
  const url = new URL(`./${name}${fromSource ? ".ts" : ".js"}`, base);
  const wantTs = typescript ?? (fromSource || hostUsesTsx());
  const inherited = workerExecArgv();
  if (!wantTs) return { url, execArgv: inherited };
  const preload = tsxPreload();
  if (preload === null) {
    if (fromSource || typescript === true)
      throw new InvalidOptionError(
        "threads.typescript",
        "usable: TypeScript modules in worker threads need the tsx package installed " +
          "(npm i -D tsx), or build to JavaScript and set it to false",
        typescript,
      );
    return { url, execArgv: inherited };
  }
  return { url, execArgv: [...inherited, ...preload] };
}
