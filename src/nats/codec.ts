/**
 * Envelopes to bytes and back, for messages between troupe nodes (troupe/nats). MessagePack
 * through msgpackr; envelope.ts holds the envelope's shape and the rule for what data may
 * travel.
 *
 * Encoding is strict and synchronous: `encodeEnvelope` checks the envelope, then walks its
 * data (inspectData: cycles, depth, types, and a lower bound of the size, all before any
 * byte is written) and finally the encoded size; any failure throws MessageEncodeError with
 * a reason ("cyclic", "too-deep", "too-large", "unsupported-type", "invalid-envelope"),
 * where in the data, and for "too-large" the size and the limit. Nothing is sent then, so
 * `tell`/`ask` can throw it at the call site.
 *
 * Decoding is total: `decodeEnvelope` never throws for any input — random bytes, a
 * truncated or oversized message, trailing bytes, a wrong version, a malformed field, data
 * that could not have been sent (a RegExp, too deep…) — and returns `{ ok: false, reason }`
 * with the reason a dead letter records. What it accepts is a valid envelope, checked by the
 * same rules as encoding, so nothing malformed reaches actor code.
 *
 * The wire form is a MessagePack array with the version first, so any future layout can be
 * told apart by its first element; the kind is a small integer (never reorder WIRE_KINDS):
 *   tell         [1, 0, sender, incarnation, target, method, args]
 *   ask          [1, 1, sender, incarnation, id, target, method, args]
 *   reply        [1, 2, sender, incarnation, requestId, value]
 *   error-reply  [1, 3, sender, incarnation, requestId, name, message, code|nil, fields|nil]
 * An array rather than a map: no key names on every message (about 50 bytes saved), and
 * less to decode.
 *
 * msgpackr options, and why:
 * - `useRecords` (with `mapsAsObjects: false`): plain objects go as records (a shape's keys
 *   written once per message; each message defines its own, so it decodes alone) and
 *   msgpack maps stay Maps, so that a Map arrives as a Map;
 * - `moreTypes`: Set, Error, typed arrays, ArrayBuffer, DataView and bigints past 64 bits
 *   keep their type (as extensions);
 * - `structuredClone: false`: no reference extensions — cycles are refused before encoding,
 *   and a peer's reference records are refused when decoding;
 * - `useToJSON: false`: data goes as it is, never as a toJSON method says;
 * - decoding copies binary data (`copyBuffers`), so nothing decoded holds on to the
 *   incoming message's buffer.
 * A message cannot claim more memory than its size: msgpackr checks each length against
 * the bytes left, and `maxBytes` (1 MiB by default) bounds both directions.
 */
import { Packr, Unpackr } from "msgpackr";
import { MessageEncodeError, type MessageEncodeReason } from "../errors.js";
import { checkInteger, checkKnownKeys, checkObject } from "../validation.js";
import {
  PROTOCOL_VERSION,
  checkHeader,
  checkVersion,
  describe,
  describeProblem,
  inspectData,
  payloadOf,
  validateEnvelope,
  type EnvelopeCheck,
  type EnvelopeKind,
  type WireEnvelope,
} from "./envelope.js";

/** The default cap on an encoded envelope: 1 MiB (NATS's default max_payload too). */
export const DEFAULT_MAX_BYTES = 1_048_576;

export interface CodecOptions {
  /**
   * Largest encoded envelope, in bytes: a bigger message is refused when encoding and
   * dropped when decoding.
   * @default 1_048_576 (1 MiB)
   */
  readonly maxBytes?: number;
}

/** Wire code → kind; the index is the protocol's, never reorder. */
const WIRE_KINDS: readonly EnvelopeKind[] = ["tell", "ask", "reply", "error-reply"];
const WIRE_CODES: Readonly<Record<EnvelopeKind, number>> = {
  tell: 0,
  ask: 1,
  reply: 2,
  "error-reply": 3,
};
const WIRE_LENGTHS: Readonly<Record<EnvelopeKind, number>> = {
  tell: 7,
  ask: 8,
  reply: 6,
  "error-reply": 9,
};

const packr = new Packr({
  useRecords: true,
  mapsAsObjects: false,
  moreTypes: true,
  structuredClone: false,
  useToJSON: false,
});

const unpackr = new Unpackr({
  useRecords: true,
  mapsAsObjects: false,
  moreTypes: true,
  structuredClone: false,
  copyBuffers: true,
  int64AsType: "bigint",
});

/**
 * The envelope as bytes, or MessageEncodeError (synchronously) when it cannot be sent: an
 * invalid envelope, or data that is cyclic, too deep, of a type that cannot travel, or that
 * encodes to more than `maxBytes`. InvalidOptionError for bad options.
 *
 * ```ts
 * const bytes = encodeEnvelope({
 *   version: 1, kind: "tell", sender: "node-a", incarnation: 1,
 *   target: "/user/counter", method: "add", args: [2],
 * });
 * ```
 */
export function encodeEnvelope(envelope: WireEnvelope, options?: CodecOptions): Uint8Array {
  const maxBytes = resolveMaxBytes(options);
  const header = checkHeader(envelope);
  if (header !== undefined)
    throw encodeError(envelope, "invalid-envelope", `the envelope is invalid: ${header}`);
  const { data, root } = payloadOf(envelope);
  const problem = inspectData(data, root, maxBytes);
  if (problem !== undefined) {
    if (problem.kind === "too-large")
      throw encodeError(
        envelope,
        "too-large",
        `it encodes to at least ${problem.size} bytes, over the limit of ${maxBytes} bytes`,
        problem.size,
        maxBytes,
      );
    throw encodeError(envelope, problem.kind, describeProblem(problem));
  }
  const bytes = packr.pack(toWire(envelope));
  if (bytes.byteLength > maxBytes)
    throw encodeError(
      envelope,
      "too-large",
      `it encodes to ${bytes.byteLength} bytes, over the limit of ${maxBytes} bytes`,
      bytes.byteLength,
      maxBytes,
    );
  return bytes;
}

/**
 * The envelope in `bytes`, or why there is none: never throws for any input (only
 * InvalidOptionError for bad options). A valid result passed validateEnvelope.
 */
export function decodeEnvelope(bytes: Uint8Array, options?: CodecOptions): EnvelopeCheck {
  const maxBytes = resolveMaxBytes(options);
  if (!(bytes instanceof Uint8Array)) return fail(`the message is ${describe(bytes)}, not bytes`);
  if (bytes.byteLength === 0) return fail("the message is empty");
  if (bytes.byteLength > maxBytes)
    return fail(`the message is ${bytes.byteLength} bytes, over the limit of ${maxBytes} bytes`);
  let decoded: unknown;
  try {
    // A view of our own: msgpackr caches a DataView on the object it decodes, and the
    // binary values it copies out take the view's class (a Uint8Array, not a Buffer).
    decoded = unpackr.unpack(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    return fail(`the message is not valid MessagePack (${unpackFailure(error)})`);
  }
  return fromWire(decoded);
}

function resolveMaxBytes(options: CodecOptions | undefined): number {
  if (options === undefined) return DEFAULT_MAX_BYTES;
  checkObject("options", options);
  checkKnownKeys("options", options, ["maxBytes"]);
  checkInteger("maxBytes", options.maxBytes, 1);
  return options.maxBytes ?? DEFAULT_MAX_BYTES;
}

function toWire(envelope: WireEnvelope): unknown[] {
  const { version, sender, incarnation } = envelope;
  const code = WIRE_CODES[envelope.kind];
  switch (envelope.kind) {
    case "tell":
      return [version, code, sender, incarnation, envelope.target, envelope.method, envelope.args];
    case "ask":
      return [
        version,
        code,
        sender,
        incarnation,
        envelope.id,
        envelope.target,
        envelope.method,
        envelope.args,
      ];
    case "reply":
      return [version, code, sender, incarnation, envelope.requestId, envelope.value];
    case "error-reply": {
      const { name, message, code: errorCode, fields } = envelope.error;
      return [
        version,
        code,
        sender,
        incarnation,
        envelope.requestId,
        name,
        message,
        errorCode ?? null,
        fields ?? null,
      ];
    }
    default:
      return envelope satisfies never;
  }
}

/** The envelope object from its wire form, validated. */
function fromWire(wire: unknown): EnvelopeCheck {
  if (!Array.isArray(wire))
    return fail(`the message decodes to ${describe(wire)}, not an envelope (an array)`);
  const fields = wire as readonly unknown[];
  if (fields.length === 0) return fail("the envelope is an empty array (no version)");
  const version = checkVersion(fields[0]);
  if (version !== undefined) return fail(version);
  const code = fields[1];
  const kind = typeof code === "number" ? WIRE_KINDS[code] : undefined;
  if (kind === undefined)
    return fail(
      `unknown kind code ${describe(code)} ` +
        `(expected ${WIRE_KINDS.map((k, i) => `${i} for ${k}`).join(", ")})`,
    );
  if (fields.length !== WIRE_LENGTHS[kind])
    return fail(
      `an envelope of kind "${kind}" has ${WIRE_LENGTHS[kind]} fields; ` +
        `this one has ${fields.length}`,
    );
  // Object literals of a fixed shape each (not spreads): this runs for every message.
  const [, , sender, incarnation] = fields;
  switch (kind) {
    case "tell":
      return validateEnvelope({
        version: PROTOCOL_VERSION,
        kind,
        sender,
        incarnation,
        target: fields[4],
        method: fields[5],
        args: fields[6],
      });
    case "ask":
      return validateEnvelope({
        version: PROTOCOL_VERSION,
        kind,
        sender,
        incarnation,
        id: fields[4],
        target: fields[5],
        method: fields[6],
        args: fields[7],
      });
    case "reply":
      return validateEnvelope({
        version: PROTOCOL_VERSION,
        kind,
        sender,
        incarnation,
        requestId: fields[4],
        value: fields[5],
      });
    case "error-reply": {
      const error: Record<string, unknown> = { name: fields[5], message: fields[6] };
      if (fields[7] !== null) error["code"] = fields[7];
      if (fields[8] !== null) error["fields"] = fields[8];
      return validateEnvelope({
        version: PROTOCOL_VERSION,
        kind,
        sender,
        incarnation,
        requestId: fields[4],
        error,
      });
    }
    default:
      return kind satisfies never;
  }
}

function fail(reason: string): EnvelopeCheck {
  return { ok: false, reason };
}

/** msgpackr's complaint, in words a dead letter can keep (short; no data preview). */
function unpackFailure(error: unknown): string {
  if (!(error instanceof Error)) return `it threw ${describe(error)}`;
  const message = error.message;
  if (error instanceof RangeError && message.includes("call stack")) return "it nests too deeply";
  if (message.startsWith("Data read, but end of buffer not reached"))
    return "trailing bytes after the value";
  // msgpackr marks running out of input (a length past the end, a read past the end).
  if (
    (error as Error & { incomplete?: unknown }).incomplete === true ||
    message.startsWith("Unexpected end")
  )
    return "it ends too early: truncated";
  return message.length <= 120 ? message : `${message.slice(0, 120)}…`;
}

function encodeError(
  envelope: WireEnvelope,
  reason: MessageEncodeReason,
  detail: string,
  size?: number,
  limit?: number,
): MessageEncodeError {
  const e = (typeof envelope === "object" && envelope !== null ? envelope : {}) as Record<
    string,
    unknown
  >;
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  const requestId = typeof e["requestId"] === "number" ? e["requestId"] : undefined;
  const target = text(e["target"]);
  return new MessageEncodeError(reason, detail, target, text(e["method"]), requestId, size, limit);
}
