#!/usr/bin/env node
// The `troupe` command of this repository: runs bin/cli.ts through tsx, so it works on a
// fresh clone after `npm ci`, with no build step. Its commands run the examples and the
// benchmarks, which live in the repository (they are not part of the published package).
import { register } from "tsx/esm/api";

register();
await import("./cli.ts");
