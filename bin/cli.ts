/**
 * The `troupe` CLI: `troupe examples` lists the examples, `troupe example <name>` runs one,
 * `troupe bench [suite...] [--quick]` runs the benchmarks and prints their tables. `--help`
 * works on every command; an unknown command, example or option prints what exists on
 * stderr and exits 2. Examples and benchmarks run in child processes with our stdio, so
 * they behave exactly as when run directly, and their exit code becomes ours.
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { exampleLines, findExample, listExamples, runTypeScript } from "../examples/_catalog.js";

/** Exit code for bad usage, as in most CLIs. */
const USAGE_ERROR = 2;
const BENCH = fileURLToPath(new URL("../bench/run.ts", import.meta.url));
/** What `npm run bench` gives the benchmarks: forced GC between runs, V8's optimisation hints. */
const BENCH_FLAGS = ["--expose-gc", "--allow-natives-syntax"];

const HELP = `Usage: troupe <command> [options]

Commands:
  examples                      list the examples with a line on each
  example <name> [args...]      run an example (e.g. troupe example crawler)
  bench [suite...] [--quick]    run the benchmarks and print their tables
  help [command]                this text, or a command's

Options:
  -h, --help                    help for troupe or for a command
`;

const COMMAND_HELP: Readonly<Record<string, string>> = {
  examples: `Usage: troupe examples

Lists the runnable examples (examples/*.ts) with their one-line descriptions.
`,
  example: `Usage: troupe example <name> [args...]

Runs examples/<name>.ts; arguments after the name go to the example
(e.g. troupe example observe --serve). Its exit code becomes troupe's.
`,
  bench: `Usage: troupe bench [suite...] [--quick]

Runs every benchmark suite, or the ones named, prints a markdown table per suite and
writes bench/results/<suite>.{json,md}. --quick runs tiny sizes (a smoke run, results in
<suite>.quick.*). Run "troupe bench --help" for the list of suites.
`,
};

function fail(message: string, help: string): number {
  process.stderr.write(`${message}\n\n${help}`);
  return USAGE_ERROR;
}

async function examples(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { help: { type: "boolean", short: "h" } },
    allowPositionals: true,
  });
  if (values.help === true) return print(COMMAND_HELP["examples"] ?? HELP);
  if (positionals.length > 0)
    return fail(`troupe examples takes no arguments (got "${positionals.join(" ")}").`, HELP);
  process.stdout.write(["Examples:", ...exampleLines(await listExamples()), ""].join("\n"));
  return 0;
}

async function example(args: readonly string[]): Promise<number> {
  // The name ends troupe's options; the rest belongs to the example.
  const nameAt = args.findIndex((arg) => !arg.startsWith("-"));
  const own = nameAt < 0 ? args : args.slice(0, nameAt);
  const all = await listExamples();
  const list = ["Examples:", ...exampleLines(all), ""].join("\n");
  const { values } = parseArgs({
    args: [...own],
    options: { help: { type: "boolean", short: "h" } },
  });
  if (values.help === true) return print(`${COMMAND_HELP["example"] ?? ""}\n${list}`);
  const name = nameAt < 0 ? undefined : args[nameAt];
  if (name === undefined) return fail("troupe example needs the name of an example.", list);
  const found = findExample(all, name);
  if (found === undefined) return fail(`Unknown example "${name}".`, list);
  return runTypeScript(found.file, args.slice(nameAt + 1));
}

function bench(args: readonly string[]): Promise<number> {
  // bench/run.ts checks its own arguments (suite names, --quick, --help) and exits 2 on bad ones.
  return runTypeScript(BENCH, args, BENCH_FLAGS);
}

function print(text: string): number {
  process.stdout.write(text);
  return 0;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case "-h":
      case "--help":
        return print(HELP);
      case "help": {
        const topic = rest[0];
        if (topic === undefined) return print(HELP);
        const text = COMMAND_HELP[topic];
        return text === undefined ? fail(`Unknown command "${topic}".`, HELP) : print(text);
      }
      case "examples":
        return await examples(rest);
      case "example":
        return await example(rest);
      case "bench":
        return await bench(rest);
      default:
        return fail(`Unknown command "${command}".`, HELP);
    }
  } catch (error) {
    // parseArgs throws a TypeError naming the unknown option.
    if (error instanceof TypeError && "code" in error)
      return fail(error.message, COMMAND_HELP[command ?? ""] ?? HELP);
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
