/**
 * Entry of `npm run bench`: runs every suite, or the ones named, prints a markdown table per
 * suite on stdout (progress goes to stderr) and writes bench/results/<suite>.json and .md.
 *
 *   npm run bench                      every suite, full sizes
 *   npm run bench -- actors            one suite
 *   npm run bench -- --quick           smoke run: tiny sizes, results in <suite>.quick.*
 *
 * Exits 1 if a suite fails (a scenario threw or its self-check failed), 2 on bad arguments.
 * Missed performance targets are reported in the tables, never as a failure.
 */
import { parseArgs } from "node:util";
import { environment } from "./lib/env.js";
import { renderMarkdown, writeResults } from "./lib/results.js";
import { SUITES, type SuiteEntry } from "./suites.js";

const USAGE = `usage: npm run bench -- [--quick] [suite ...]   (or: npx troupe bench [--quick] [suite ...])

  --quick     every scenario with tiny sizes and few repetitions (a smoke run for CI)
  -h, --help  this text

suites:
${SUITES.map((s) => `  ${s.name.padEnd(16)} ${s.description}`).join("\n")}`;

interface Args {
  readonly quick: boolean;
  readonly suites: readonly SuiteEntry[];
}

/** Parsed arguments, or an exit code when there is nothing to run. */
function parse(argv: readonly string[]): Args | number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        quick: { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help === true) {
    console.log(USAGE);
    return 0;
  }
  const unknown = parsed.positionals.filter((name) => !SUITES.some((s) => s.name === name));
  if (unknown.length > 0) {
    console.error(`unknown suite: ${unknown.join(", ")}\n\n${USAGE}`);
    return 2;
  }
  const names = new Set(parsed.positionals);
  return {
    quick: parsed.values.quick,
    suites: names.size === 0 ? SUITES : SUITES.filter((s) => names.has(s.name)),
  };
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2));
  if (typeof args === "number") return args;
  const env = environment();
  if (!env.gcExposed)
    console.error(
      "note: gc is not exposed, so memory figures are n/a; `npm run bench` passes --expose-gc",
    );
  let failed = 0;
  for (const entry of args.suites) {
    const started = performance.now();
    try {
      const suite = await entry.load();
      const report = await suite.run({
        quick: args.quick,
        log: (line) => console.error(line),
      });
      const info = {
        suite: entry.name,
        quick: args.quick,
        environment: env,
        durationMs: performance.now() - started,
      };
      console.log(`\n${renderMarkdown(report, info)}`);
      const written = await writeResults(report, info);
      console.error(`wrote ${written.join(", ")}`);
    } catch (error) {
      failed++;
      console.error(`suite ${entry.name} failed:`, error);
    }
  }
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main();
