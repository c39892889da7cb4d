/**
 * The envelope of a message between troupe nodes, and the rule for what data may travel in
 * it. Pure: no I/O, no clock; the codec (codec.ts) turns an envelope into bytes and back,
 * and the transport (later) addresses, sends and dispatches it.
 *
 * An envelope is a small plain object. Every kind carries the protocol version, the sender's
 * node id and that node's incarnation (a number fresh for each start of the node, so that
 * the receiver can drop traffic from a previous life of it; the transport picks it, e.g.
 * the start time in ms so that a later start has a larger one):
 * - `tell`: target, method, args — at-most-once, no reply;
 * - `ask`: the same plus `id`, a number unique per sender incarnation (a counter);
 * - `reply`: `requestId` (the ask's id) and the handler's `value`;
 * - `error-reply`: `requestId` and a SerializedError (name, message, code, fields).
 *
 * A target is an absolute actor path (`/user/a/b`) or a service key; a path starts with "/"
 * and a key cannot contain one, so one string tells them apart. Path segments, service keys
 * and node ids follow the actor-name rule (spawn-options.ts: letters, digits and
 * `_ - ~ @ : + = $`; no dots, spaces, `*`, `>` or empty segments), so each can become a NATS
 * subject token; a path segment may also be a generated name (`$` + base 36).
 *
 * What may travel (checked by `inspectData` in both directions, so a bad peer cannot hand
 * actor code anything the local side could not have sent):
 * - allowed: strings, numbers (NaN and ±Infinity too; -0 arrives as 0), booleans, null,
 *   undefined, bigint, plain objects (own enumerable string keys; a null prototype arrives
 *   as Object.prototype), arrays (holes arrive as undefined), Map, Set, Date, ArrayBuffer,
 *   DataView and the typed arrays (a Buffer arrives as a Uint8Array);
 * - converted: an Error (any subclass) carries its name, message and cause (and an
 *   AggregateError its errors); it arrives as the built-in class of that name, or an Error
 *   with that name. Its class, stack and other fields (`code`, …) stay behind: to keep them,
 *   send plain data — or throw, since an error reply carries code and fields. Also, as
 *   msgpackr does it: an own key "__proto__" arrives as "__proto_" (its guard against
 *   prototype pollution), and a lone UTF-16 surrogate in a string as U+FFFD (UTF-8 on the
 *   wire);
 * - refused: functions, symbols, class instances, Promise, WeakMap/WeakSet, RegExp (a
 *   pattern compiled from another process's data is a denial-of-service risk: send source
 *   and flags), boxed primitives, SharedArrayBuffer, subclasses of Array/Map/Set/Date, and
 *   anything else whose prototype is not one of the above — msgpackr would turn them into
 *   `{}`, undefined or a plain object without a word, and the receiver would act on a value
 *   the sender never meant;
 * - cycles are refused (msgpackr would overflow the stack); a value reachable twice without
 *   a cycle is allowed and arrives as two copies;
 * - nesting is bounded (MAX_DATA_DEPTH containers, the args array or the reply value being
 *   the first), which keeps msgpackr's recursive encoder and decoder (about 1,000 levels on
 *   Node's default stack) and this walk far from the stack limit.
 * Symbol-keyed properties are not carried (as with JSON and structured clone).
 */
import { keyOf } from "../actor/cell-extras.js";
import { isActorName } from "../actor/spawn-options.js";
import { describeValue } from "../errors.js";

/** The version of the envelope format this node speaks. */
export const PROTOCOL_VERSION = 1;

export const ENVELOPE_KINDS = ["tell", "ask", "reply", "error-reply"] as const;
export type EnvelopeKind = (typeof ENVELOPE_KINDS)[number];

/** Most containers (arrays, objects, Maps, Sets, Errors) nested in one message's data. */
export const MAX_DATA_DEPTH = 256;

interface EnvelopeHeader {
  readonly version: typeof PROTOCOL_VERSION;
  /** Id of the sending node. */
  readonly sender: string;
  /** The sending node's incarnation: fresh for each start of that node. */
  readonly incarnation: number;
}

export interface TellEnvelope extends EnvelopeHeader {
  readonly kind: "tell";
  /** An absolute actor path (`/user/…`) or a service key. */
  readonly target: string;
  readonly method: string;
  readonly args: readonly unknown[];
}

export interface AskEnvelope extends EnvelopeHeader {
  readonly kind: "ask";
  /** Unique per sender incarnation; the reply's `requestId`. */
  readonly id: number;
  readonly target: string;
  readonly method: string;
  readonly args: readonly unknown[];
}

export interface ReplyEnvelope extends EnvelopeHeader {
  readonly kind: "reply";
  readonly requestId: number;
  readonly value: unknown;
}

export interface ErrorReplyEnvelope extends EnvelopeHeader {
  readonly kind: "error-reply";
  readonly requestId: number;
  readonly error: SerializedError;
}

/** An error as data: enough for the receiver to rebuild a typed error from `code`. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  /** The TroupeError code (`ERR_…`) or the error's own `code`, when it has one. */
  readonly code?: string;
  /** Structured fields (`actorPath`, `timeoutMs`, …), as data that may travel. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

export type WireEnvelope = TellEnvelope | AskEnvelope | ReplyEnvelope | ErrorReplyEnvelope;

/** A validation's outcome; `reason` says precisely what is wrong, for a dead letter. */
export type EnvelopeCheck =
  | { readonly ok: true; readonly envelope: WireEnvelope }
  | { readonly ok: false; readonly reason: string };

/**
 * Checks that `value` is a well-formed envelope whose data may travel: the whole contract,
 * header and payload. Never throws for decoded data (only a getter of a hand-made object
 * could).
 */
export function validateEnvelope(value: unknown): EnvelopeCheck {
  const reason = checkHeader(value);
  if (reason !== undefined) return { ok: false, reason };
  const envelope = value as WireEnvelope;
  const payload = payloadOf(envelope);
  const problem = inspectData(payload.data, payload.root, Infinity);
  return problem === undefined
    ? { ok: true, envelope }
    : { ok: false, reason: describeProblem(problem) };
}

/** The part of an envelope that is caller data, and what to call it in a reason. */
export function payloadOf(envelope: WireEnvelope): { data: unknown; root: string } {
  switch (envelope.kind) {
    case "tell":
    case "ask":
      return { data: envelope.args, root: "args" };
    case "reply":
      return { data: envelope.value, root: "value" };
    case "error-reply":
      return { data: envelope.error.fields, root: "error.fields" };
    default:
      return envelope satisfies never;
  }
}

/**
 * What is wrong with the envelope's fields other than its data, or undefined when they are
 * fine. Every field is checked; an unknown property is ignored (it is not carried).
 */
export function checkHeader(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return `the envelope is ${describe(value)}, not an object`;
  const e = value as Record<string, unknown>;
  if (!("version" in e)) return "the envelope has no version";
  const version = checkVersion(e["version"]);
  if (version !== undefined) return version;
  const kind = e["kind"];
  if (!(ENVELOPE_KINDS as readonly unknown[]).includes(kind))
    return (
      `unknown kind ${describe(kind)} ` +
      `(expected one of ${ENVELOPE_KINDS.map((k) => `"${k}"`).join(", ")})`
    );
  if (typeof e["sender"] !== "string" || !isActorName(e["sender"]))
    return `sender ${describe(e["sender"])} is not a valid node id (${TOKEN_RULE})`;
  const incarnation = checkCounter("incarnation", e["incarnation"]);
  if (incarnation !== undefined) return incarnation;
  const known = kind as EnvelopeKind;
  switch (known) {
    case "tell":
      return checkMessage(e);
    case "ask":
      return checkCounter("id", e["id"]) ?? checkMessage(e);
    case "reply":
      return (
        checkCounter("requestId", e["requestId"]) ??
        ("value" in e ? undefined : "the reply has no value property")
      );
    case "error-reply":
      return checkCounter("requestId", e["requestId"]) ?? checkSerializedError(e["error"]);
    default:
      return known satisfies never;
  }
}

/** What is wrong with a protocol version, or undefined when this node speaks it. */
export function checkVersion(version: unknown): string | undefined {
  return version === PROTOCOL_VERSION
    ? undefined
    : `unsupported protocol version ${describe(version)} ` +
        `(this node speaks version ${PROTOCOL_VERSION})`;
}

/**
 * describeValue, bounded for reasons that quote a peer's data: a long string is cut and a
 * bigint past 64 bits is not printed (printing a huge one takes long).
 */
export function describe(value: unknown): string {
  if (typeof value === "string" && value.length > 64) return `${quote(value)} (string)`;
  if (typeof value === "bigint" && !fitsIn64Bits(value)) return "a bigint past 64 bits";
  return describeValue(value);
}

function fitsIn64Bits(value: bigint): boolean {
  return BigInt.asIntN(64, value) === value || BigInt.asUintN(64, value) === value;
}

/** A string in quotes, cut in the middle past 64 characters. */
export function quote(text: string): string {
  return text.length <= 64
    ? JSON.stringify(text)
    : `${JSON.stringify(text.slice(0, 40))}…${JSON.stringify(text.slice(-12))} (${text.length} characters)`;
}

const TOKEN_RULE =
  'use 1-128 of letters, digits and _ - ~ @ : + = $, not starting with "$"; ' +
  'no dots, spaces, "/", "*" or ">"';

function checkCounter(field: string, value: unknown): string | undefined {
  return Number.isSafeInteger(value) && (value as number) >= 0
    ? undefined
    : `${field} ${describe(value)} is not an integer between 0 and 2^53 - 1`;
}

function checkMessage(e: Record<string, unknown>): string | undefined {
  const target = checkTarget(e["target"]);
  if (target !== undefined) return target;
  const method = e["method"];
  if (typeof method !== "string" || method.length === 0)
    return `method ${describe(method)} is not a non-empty string`;
  if (!Array.isArray(e["args"])) return `args is ${describe(e["args"])}, not an array`;
  return undefined;
}

/**
 * What is wrong with a target, or undefined: an absolute path under /user whose segments
 * are actor names or generated names, or a service key that follows the name rule.
 */
export function checkTarget(target: unknown): string | undefined {
  if (typeof target !== "string")
    return `target ${describe(target)} is not a string (an actor path or a service key)`;
  if (!target.startsWith("/")) {
    return isActorName(target)
      ? undefined
      : `target ${quote(target)} is not a valid service key (${TOKEN_RULE})`;
  }
  const problem = checkPath(target);
  return problem === undefined
    ? undefined
    : `target ${quote(target)} is not a valid actor path: ${problem}`;
}

function checkPath(path: string): string | undefined {
  if (path === "/user" || path === "/user/") return "it names no actor under /user";
  if (!path.startsWith("/user/")) return 'it must start with "/user/"';
  for (let start = "/user/".length; start <= path.length;) {
    let end = path.indexOf("/", start);
    if (end === -1) end = path.length;
    const segment = path.slice(start, end);
    if (segment.length === 0) return "it has an empty segment";
    if (!isActorName(segment) && typeof keyOf(segment) !== "number")
      return `segment ${quote(segment)} is not an actor name (${TOKEN_RULE})`;
    start = end + 1;
  }
  return undefined;
}

function checkSerializedError(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || Array.isArray(error))
    return `error is ${describe(error)}, not an object`;
  const e = error as Record<string, unknown>;
  if (typeof e["name"] !== "string" || e["name"].length === 0)
    return `error.name ${describe(e["name"])} is not a non-empty string`;
  if (typeof e["message"] !== "string")
    return `error.message ${describe(e["message"])} is not a string`;
  if ("code" in e && (typeof e["code"] !== "string" || e["code"].length === 0))
    return `error.code ${describe(e["code"])} is not a non-empty string`;
  if ("fields" in e && !isPlainObject(e["fields"]))
    return `error.fields is ${describe(e["fields"])}, not a plain object`;
  return undefined;
}

function isPlainObject(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// ---------------------------------------------------------------- the data walk

export type DataProblemKind = "cyclic" | "too-deep" | "too-large" | "unsupported-type";

/** Why some data may not travel. */
export interface DataProblem {
  readonly kind: DataProblemKind;
  /** Where, e.g. `args[0].items[3]`. */
  readonly location: string;
  /** What, e.g. `is a function (onDone), which …` or `refers back to args[0], …`. */
  readonly what: string;
  /** "too-large": the encoded size's lower bound that passed the budget. */
  readonly size?: number;
}

/** A problem, as a reason string: `args[0].cb is a function (cb)`. */
export function describeProblem(problem: DataProblem): string {
  return problem.kind === "too-large"
    ? `it encodes to at least ${problem.size} bytes`
    : `${problem.location} ${problem.what}`;
}

/**
 * Checks that `data` may travel (see the module comment), depth-first and recursively, at
 * most MAX_DATA_DEPTH containers deep. `budget` bounds the work and the size: each value
 * counts the least bytes it can encode to (1, or a string's length + 1, or a buffer's
 * length + 1; object keys do not count, since msgpackr writes a shape's keys once), and the
 * walk stops with "too-large" once the sum passes `budget` — so a huge message, or a small
 * graph that shares references exponentially, is refused without being encoded.
 * Returns the first problem, or undefined.
 */
export function inspectData(data: unknown, root: string, budget: number): DataProblem | undefined {
  const walk = new Walk(budget);
  const found = walk.value(data, 0);
  if (found === undefined) return undefined;
  const location = formatLocation(root, found.segments.reverse());
  switch (found.kind) {
    case "too-large":
      return { kind: "too-large", location, what: "", size: walk.used };
    case "cyclic": {
      const target = formatLocation(
        root,
        found.segments.slice(0, found.segments.length - found.targetSegments),
      );
      return {
        kind: "cyclic",
        location,
        what: `refers back to ${target}, which contains it (a cycle)`,
      };
    }
    case "too-deep":
      return {
        kind: "too-deep",
        location,
        what: `nests containers more than ${MAX_DATA_DEPTH} levels deep`,
      };
    case "unsupported-type":
      return {
        kind: "unsupported-type",
        location,
        what: `is ${found.what}, which cannot be sent to another node`,
      };
    default:
      return found.kind satisfies never;
  }
}

/** A problem on its way up: segments are pushed leaf first, so they end up reversed. */
interface Found {
  readonly kind: DataProblemKind;
  readonly what: string;
  readonly segments: string[];
  /** "cyclic": the value referred back to, and how many segments lie below it. */
  readonly target: object | undefined;
  targetSegments: number;
}

const TYPED_ARRAY_PROTOTYPES: ReadonlySet<unknown> = new Set(
  [
    Int8Array,
    Uint8Array,
    Uint8ClampedArray,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array,
    Buffer,
    DataView,
  ].map((type): unknown => type.prototype),
);

class Walk {
  used = 0;
  /** The containers on the path from the root to the current value (for cycles). */
  readonly #ancestors = new Set<object>();
  constructor(readonly budget: number) {}

  value(value: unknown, depth: number): Found | undefined {
    switch (typeof value) {
      case "string":
        this.used += value.length + 1;
        break;
      case "number":
      case "boolean":
      case "undefined":
      case "bigint":
        this.used += 1;
        break;
      case "object":
        return value === null ? this.#count(1) : this.#object(value, depth);
      case "function":
      case "symbol":
        return problem("unsupported-type", describeValue(value));
    }
    return this.used > this.budget ? problem("too-large", "") : undefined;
  }

  #count(bytes: number): Found | undefined {
    this.used += bytes;
    return this.used > this.budget ? problem("too-large", "") : undefined;
  }

  #object(value: object, depth: number): Found | undefined {
    const proto: unknown = Object.getPrototypeOf(value);
    const container =
      proto === Object.prototype ||
      proto === Array.prototype ||
      proto === null ||
      proto === Map.prototype ||
      proto === Set.prototype ||
      value instanceof Error;
    if (!container) {
      if (proto === Date.prototype) return this.#count(1);
      if (TYPED_ARRAY_PROTOTYPES.has(proto))
        return this.#count((value as ArrayBufferView).byteLength + 1);
      if (proto === ArrayBuffer.prototype)
        return this.#count((value as ArrayBuffer).byteLength + 1);
      // describeValue calls any array "an array"; name the subclass.
      const what = Array.isArray(value)
        ? `an array subclass (${value.constructor?.name ?? "unknown"})`
        : describeValue(value);
      return problem("unsupported-type", what);
    }
    if (this.#ancestors.has(value)) return problem("cyclic", "", value);
    if (depth >= MAX_DATA_DEPTH) return problem("too-deep", "");
    const tooLarge = this.#count(1);
    if (tooLarge !== undefined) return tooLarge;
    this.#ancestors.add(value);
    const found = this.#children(value, proto, depth + 1);
    this.#ancestors.delete(value);
    if (found !== undefined && found.target === value) found.targetSegments = found.segments.length;
    return found;
  }

  #children(value: object, proto: unknown, depth: number): Found | undefined {
    let found: Found | undefined;
    if (proto === Array.prototype) {
      const array = value as readonly unknown[];
      for (let i = 0; i < array.length; i++) {
        if ((found = this.value(array[i], depth)) !== undefined) return at(found, `[${i}]`);
      }
    } else if (proto === Map.prototype) {
      let i = 0;
      for (const [key, entry] of value as ReadonlyMap<unknown, unknown>) {
        if ((found = this.value(key, depth)) !== undefined) return at(found, `.keys()[${i}]`);
        if ((found = this.value(entry, depth)) !== undefined) return at(found, mapGet(key, i));
        i++;
      }
    } else if (proto === Set.prototype) {
      let i = 0;
      for (const item of value as ReadonlySet<unknown>) {
        if ((found = this.value(item, depth)) !== undefined) return at(found, `.values()[${i}]`);
        i++;
      }
    } else if (value instanceof Error) {
      // What msgpackr carries of an Error (see the module comment).
      if ((found = this.value(value.name, depth)) !== undefined) return at(found, ".name");
      if ((found = this.value(value.message, depth)) !== undefined) return at(found, ".message");
      if ("cause" in value && (found = this.value(value.cause, depth)) !== undefined)
        return at(found, ".cause");
      if (
        value instanceof AggregateError &&
        (found = this.value(value.errors, depth)) !== undefined
      )
        return at(found, ".errors");
    } else {
      const object = value as Readonly<Record<string, unknown>>;
      for (const key of Object.keys(object)) {
        if ((found = this.value(object[key], depth)) !== undefined)
          return at(found, propertySegment(key));
      }
    }
    return undefined;
  }
}

function problem(kind: DataProblemKind, what: string, target?: object): Found {
  return { kind, what, segments: [], target, targetSegments: 0 };
}

function at(found: Found, segment: string): Found {
  found.segments.push(segment);
  return found;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function propertySegment(key: string): string {
  return key.length <= 64 && IDENTIFIER.test(key) ? `.${key}` : `[${quote(key)}]`;
}

function mapGet(key: unknown, index: number): string {
  if (typeof key === "string") return `.get(${quote(key)})`;
  if (typeof key === "number" || typeof key === "boolean") return `.get(${String(key)})`;
  if (typeof key === "bigint" && fitsIn64Bits(key)) return `.get(${key}n)`;
  return `.values()[${index}]`;
}

/** `root` + segments; a long path (too deep) is cut in the middle. */
function formatLocation(root: string, segments: readonly string[]): string {
  const shown =
    segments.length <= 16 ? segments : [...segments.slice(0, 10), "…", ...segments.slice(-5)];
  return root + shown.join("");
}
