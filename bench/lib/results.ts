/**
 * Writes a suite's report next to the benchmarks: `bench/results/<suite>.json` and `.md`
 * (plus any artifacts the suite returns, such as `.svg`)
 * for full runs, `<suite>.quick.json` / `.quick.md` for smoke runs (git-ignored), so a quick
 * run never overwrites a real measurement.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describeEnvironment, type Environment } from "./env.js";
import type { SuiteReport } from "./suite.js";
import { markdownTable } from "./table.js";

export const RESULTS_DIR = fileURLToPath(new URL("../results/", import.meta.url));

export interface RunInfo {
  readonly suite: string;
  readonly quick: boolean;
  readonly environment: Environment;
  readonly durationMs: number;
}

/** The report as markdown: title, environment, table, notes. */
export function renderMarkdown(report: SuiteReport, info: RunInfo): string {
  const parts = [`# ${report.title}${info.quick ? " (quick smoke run)" : ""}`, ""];
  if (info.quick)
    parts.push(
      "> Quick mode: tiny sizes and few repetitions, only to check that every scenario runs.",
      "> These numbers are not measurements; run `npm run bench` for those.",
      "",
    );
  parts.push(describeEnvironment(info.environment));
  parts.push(`- suite took ${(info.durationMs / 1000).toFixed(1)} s`, "");
  parts.push(markdownTable(report.table), "");
  for (const note of report.notes) parts.push(`- ${note}`);
  for (const section of report.sections ?? []) {
    parts.push("", `## ${section.title}`, "", markdownTable(section.table));
    if (section.notes !== undefined && section.notes.length > 0) parts.push("");
    for (const note of section.notes ?? []) parts.push(`- ${note}`);
  }
  return `${parts.join("\n").trimEnd()}\n`;
}

/** Writes JSON and markdown; returns the paths written. */
export async function writeResults(report: SuiteReport, info: RunInfo): Promise<string[]> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const base = path.join(RESULTS_DIR, `${info.suite}${info.quick ? ".quick" : ""}`);
  const json = {
    suite: info.suite,
    title: report.title,
    quick: info.quick,
    durationMs: Math.round(info.durationMs),
    environment: info.environment,
    table: report.table,
    notes: report.notes,
    ...(report.sections === undefined ? {} : { sections: report.sections }),
    data: report.data,
  };
  await writeFile(`${base}.json`, `${JSON.stringify(json, null, 2)}\n`);
  await writeFile(`${base}.md`, renderMarkdown(report, info));
  const written = [`${base}.json`, `${base}.md`];
  for (const artifact of report.artifacts ?? []) {
    await writeFile(`${base}.${artifact.ext}`, artifact.content);
    written.push(`${base}.${artifact.ext}`);
  }
  return written;
}
