/**
 * Number, duration and time formatting for the dashboard. Fixed to en-US and 24-hour
 * clock times so the page (and its screenshot in the docs) reads the same everywhere.
 */

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
const twoDecimals = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });

/** The placeholder for a value that does not exist yet (e.g. the pool before it starts). */
export const NONE = "—";

/** A count with thousands separators: 12,345. */
export function formatCount(n: number): string {
  return integer.format(n);
}

/** A rate or other small quantity: one decimal below 10, whole numbers above. */
export function formatRate(n: number): string {
  return n < 10 ? oneDecimal.format(n) : integer.format(n);
}

/** Milliseconds with a precision that suits the size: 0.42 ms, 3.1 ms, 120 ms, 2.5 s. */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${oneDecimal.format(ms / 1000)} s`;
  if (ms >= 10) return `${integer.format(ms)} ms`;
  if (ms >= 1) return `${oneDecimal.format(ms)} ms`;
  return `${twoDecimals.format(ms)} ms`;
}

/** A 0–1 share as a percentage, or the placeholder when there is none. */
export function formatShare(share: number | null): string {
  return share === null ? NONE : `${formatRate(share * 100)}%`;
}

/** Bytes in binary units: 512 B, 34.2 MB. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? integer.format(value) : oneDecimal.format(value)} ${units[unit] ?? "B"}`;
}

/** A coarse duration for uptime and time spans: 45s, 3m 20s, 2h 05m, 3d 4h. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m}m` : `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${pad(m % 60)}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** A local clock time, HH:MM:SS, for log lines. */
export function formatClock(epochMs: number): string {
  const d = new Date(epochMs);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A full local date and time with milliseconds, for tooltips. */
export function formatTimestamp(epochMs: number): string {
  const d = new Date(epochMs);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return `${date} ${formatClock(epochMs)}.${String(d.getMilliseconds()).padStart(3, "0")}`;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
