/**
 * Markdown tables and the number formats benchmark reports use. Cells are padded so the
 * table also reads well as plain text in a terminal.
 */

export type Align = "left" | "right";

export interface Column {
  readonly title: string;
  readonly align?: Align;
}

export interface Table {
  readonly columns: readonly Column[];
  readonly rows: readonly (readonly string[])[];
}

/** Renders a GitHub-flavoured markdown table; `|` inside cells is escaped. */
export function markdownTable(table: Table): string {
  const escape = (s: string): string => s.replaceAll("|", "\\|");
  const header = table.columns.map((c) => escape(c.title));
  const body = table.rows.map((row) => table.columns.map((_, i) => escape(row[i] ?? "")));
  const widths = header.map((h, i) =>
    Math.max(3, h.length, ...body.map((row) => (row[i] as string).length)),
  );
  const pad = (s: string, i: number): string => {
    const width = widths[i] as number;
    return table.columns[i]?.align === "right" ? s.padStart(width) : s.padEnd(width);
  };
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => pad(c, i)).join(" | ")} |`;
  const rule = widths.map((w, i) =>
    table.columns[i]?.align === "right" ? `${"-".repeat(w - 1)}:` : "-".repeat(w),
  );
  return [line(header), `| ${rule.join(" | ")} |`, ...body.map(line)].join("\n");
}

/** 12,345,678 → "12.3M", 4,567 → "4.57k"; three significant digits. */
export function formatCount(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "n/a";
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toPrecision(3)}G`;
  if (abs >= 1e6) return `${(value / 1e6).toPrecision(3)}M`;
  if (abs >= 1e3) return `${(value / 1e3).toPrecision(3)}k`;
  return value.toPrecision(3);
}

/** 1,000,000 → "1,000,000". */
export function formatInteger(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

/** A ratio as "0.42×". */
export function formatRatio(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return "n/a";
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}×`;
}

/** A fraction as "±12%" (half the range around the median). */
export function formatSpread(fraction: number): string {
  if (!Number.isFinite(fraction)) return "n/a";
  return `±${Math.round((fraction / 2) * 100)}%`;
}
