/**
 * Values as JSON can carry them. Replies, dead-letter arguments and errors come from
 * application code and may hold anything: bigints, cycles, functions, class instances, huge
 * strings. The HTTP server must answer or forward them without throwing and without sending
 * megabytes, so values are copied with limits, and what JSON cannot hold is named instead.
 */
import type { ErrorJson } from "./protocol.js";

/** How much of a value is copied. */
export interface JsonLimits {
  /** Nesting kept; deeper values become "[Object]" / "[Array]". */
  readonly depth: number;
  /** Characters kept of a string; the rest is cut with a "…(+n chars)" mark. */
  readonly string: number;
  /** Items kept of an array or entries of an object; then a "…(+n more)" mark. */
  readonly items: number;
  /** Bytes (a Buffer, typed array or ArrayBuffer): their base64, or "[Buffer 12 bytes]". */
  readonly bytes: "base64" | "size";
}

/** For replies to asks: the caller asked for them, so they are kept whole. */
export const WHOLE: JsonLimits = { depth: 64, string: Infinity, items: Infinity, bytes: "base64" };
/** For dead letters and events shown on a page: enough to recognise a message. */
export const PREVIEW: JsonLimits = { depth: 4, string: 200, items: 20, bytes: "size" };

/** A copy of `value` that `JSON.stringify` accepts and that says what it had to leave out. */
export function toJsonSafe(value: unknown, limits: JsonLimits = WHOLE): unknown {
  return copy(value, limits, 0, new Set());
}

/** Named in place of what cannot be read: a getter or a proxy trap that throws. */
const UNREADABLE = "[Unreadable]";

function copy(value: unknown, limits: JsonLimits, depth: number, seen: Set<object>): unknown {
  try {
    return copyValue(value, limits, depth, seen);
  } catch {
    return UNREADABLE;
  }
}

function copyValue(value: unknown, limits: JsonLimits, depth: number, seen: Set<object>): unknown {
  switch (typeof value) {
    case "string":
      return value.length > limits.string
        ? `${value.slice(0, limits.string)}…(+${value.length - limits.string} chars)`
        : value;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "boolean":
      return value;
    case "bigint":
      return `${value}n`;
    case "undefined":
      return null;
    case "symbol":
      return String(value);
    case "function":
      return `[Function ${value.name || "anonymous"}]`;
    case "object":
      break;
  }
  if (value === null) return null;
  const object = value;
  if (object instanceof Error) return errorJson(object);
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();
  if (seen.has(object)) return "[Circular]";
  if (depth >= limits.depth) return Array.isArray(object) ? "[Array]" : "[Object]";
  // Before toJSON: a Buffer's own toJSON would make an array of numbers, one per byte.
  if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) return binary(object, limits);
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    seen.add(object);
    try {
      return copy(toJSON.call(object) as unknown, limits, depth + 1, seen);
    } catch {
      return `[${object.constructor?.name ?? "Object"}]`;
    } finally {
      seen.delete(object);
    }
  }
  seen.add(object);
  try {
    if (Array.isArray(object)) return copyItems(object, limits, depth, seen);
    if (object instanceof Map)
      return copyItems(
        [...object].map(([k, v]) => [k, v] as const),
        limits,
        depth,
        seen,
      );
    if (object instanceof Set) return copyItems([...object], limits, depth, seen);
    const out: Record<string, unknown> = {};
    let kept = 0;
    const keys = Object.keys(object);
    for (const key of keys) {
      if (kept === limits.items) {
        out["…"] = `(+${keys.length - kept} more)`;
        break;
      }
      const copied = copyProperty(object, key, limits, depth + 1, seen);
      // Plain assignment of "__proto__" would set the copy's prototype and lose the data.
      if (key === "__proto__")
        Object.defineProperty(out, key, { value: copied, enumerable: true, writable: true });
      else out[key] = copied;
      kept++;
    }
    return out;
  } finally {
    seen.delete(object);
  }
}

function copyProperty(
  object: object,
  key: string,
  limits: JsonLimits,
  depth: number,
  seen: Set<object>,
): unknown {
  let value: unknown;
  try {
    value = (object as Record<string, unknown>)[key];
  } catch {
    return UNREADABLE;
  }
  return copy(value, limits, depth, seen);
}

function binary(data: ArrayBufferView | ArrayBuffer, limits: JsonLimits): string {
  if (limits.bytes === "size") return `[${data.constructor.name} ${data.byteLength} bytes]`;
  const view = ArrayBuffer.isView(data)
    ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    : Buffer.from(data);
  return view.toString("base64");
}

function copyItems(
  items: readonly unknown[],
  limits: JsonLimits,
  depth: number,
  seen: Set<object>,
): unknown[] {
  const kept = Math.min(items.length, limits.items);
  const out: unknown[] = [];
  for (let i = 0; i < kept; i++) out.push(copy(items[i], limits, depth + 1, seen));
  if (items.length > kept) out.push(`…(+${items.length - kept} more)`);
  return out;
}

/** An error's name, message and `code` (the stack stays on the server). */
export function errorJson(error: unknown): ErrorJson {
  if (!(error instanceof Error)) return { name: "NonError", message: String(error) };
  const code = (error as { code?: unknown }).code;
  return typeof code === "string"
    ? { name: error.name, message: error.message, code }
    : { name: error.name, message: error.message };
}
