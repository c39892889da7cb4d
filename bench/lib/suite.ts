/**
 * What a benchmark suite is to the runner: a name, and a `run` that measures and returns a
 * report (a table for people, details for JSON). The runner adds the environment, prints
 * the table and writes the files, so suites only measure.
 */
import type { Table } from "./table.js";

export interface SuiteOptions {
  /** Smoke mode: every scenario with tiny sizes and few repetitions, to keep it working. */
  readonly quick: boolean;
  /** Progress lines (to stderr, so stdout carries only the report). */
  readonly log: (line: string) => void;
}

export interface SuiteReport {
  readonly title: string;
  readonly table: Table;
  /** Bullet points printed under the table: what was measured, caveats. */
  readonly notes: readonly string[];
  /** JSON-serialisable details: every sample, sizes, settings. */
  readonly data: unknown;
  /** More tables, each with a heading and notes, printed after the main one. */
  readonly sections?: readonly ReportSection[];
  /** Extra files written beside the results: `<suite>[.quick].<ext>` (e.g. an SVG chart). */
  readonly artifacts?: readonly { readonly ext: string; readonly content: string }[];
}

export interface ReportSection {
  readonly title: string;
  readonly table: Table;
  readonly notes?: readonly string[];
}

export interface Suite {
  readonly name: string;
  run(options: SuiteOptions): Promise<SuiteReport>;
}
