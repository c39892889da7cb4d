#!/usr/bin/env node
// The `troupe` command of this repository: runs bin/cli.ts through tsx, so it works on a
// fresh clone after `npm ci`, with no build step. Its commands run the examples and the
// benchmarks, which live in the repository: an installed package has neither (nor tsx), so
// there it says where to find them instead of failing with a stack trace.
import { existsSync } from "node:fs";
import process from "node:process";
import { URL } from "node:url";

const cli = new URL("./cli.ts", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    "troupe: this command runs the examples and benchmarks of the troupe repository;\n" +
      "clone it, run `npm ci`, then `npx troupe examples`.\n",
  );
  process.exit(1);
}
const { register } = await import("tsx/esm/api");
register();
await import(cli.href);
