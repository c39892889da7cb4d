/**
 * Runs an example by name (`npm run example -- <name> [args...]`); without a name, lists them.
 * The same as `npx troupe example <name>`; see examples/_catalog.ts for what counts as an
 * example. Unknown names exit with code 2 after listing what exists.
 */
import { parseArgs } from "node:util";
import { exampleLines, findExample, listExamples, runTypeScript } from "./_catalog.js";

/** Exit code for bad usage (an unknown example or option), as in most CLIs. */
const USAGE_ERROR = 2;

function usage(lines: readonly string[]): string {
  return ["Usage: npm run example -- <name> [args...]", "", "Examples:", ...lines, ""].join("\n");
}

async function main(argv: readonly string[]): Promise<number> {
  // Everything after the example's name belongs to the example, not to this runner.
  const nameAt = argv.findIndex((arg) => !arg.startsWith("-"));
  const own = nameAt < 0 ? argv : argv.slice(0, nameAt + 1);
  const rest = nameAt < 0 ? [] : argv.slice(nameAt + 1);
  const examples = await listExamples();
  const text = usage(exampleLines(examples));

  let parsed;
  try {
    parsed = parseArgs({
      args: [...own],
      options: { help: { type: "boolean", short: "h" } },
      allowPositionals: true,
    });
  } catch (error) {
    // parseArgs throws a TypeError naming the unknown option.
    process.stderr.write(`${(error as Error).message}\n\n${text}`);
    return USAGE_ERROR;
  }

  const name = parsed.positionals[0];
  if (parsed.values.help === true || name === undefined) {
    process.stdout.write(text);
    return 0;
  }
  const example = findExample(examples, name);
  if (example === undefined) {
    process.stderr.write(`Unknown example "${name}".\n\n${text}`);
    return USAGE_ERROR;
  }
  return runTypeScript(example.file, rest);
}

process.exitCode = await main(process.argv.slice(2));
