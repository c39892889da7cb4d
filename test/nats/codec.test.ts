/**
 * The wire codec of troupe/nats: every kind of envelope and every allowed type survives a
 * round trip (and the documented conversions happen as documented); every message that
 * cannot travel — cyclic, too deep, too large, of a refused type, or with a bad envelope —
 * throws MessageEncodeError at once with its reason and location; and decoding never throws:
 * random bytes, mutated and truncated encodings, trailing bytes, oversize input, a wrong
 * version and each malformed field all give `ok: false` with a precise reason.
 */
import { C1, Packr, Unpackr } from "msgpackr";
import { describe, expect, it } from "vitest";
import { InvalidOptionError, MessageEncodeError } from "../../src/errors.js";
import {
  DEFAULT_MAX_BYTES,
  decodeEnvelope,
  encodeEnvelope,
  type CodecOptions,
} from "../../src/nats/codec.js";
import {
  MAX_DATA_DEPTH,
  PROTOCOL_VERSION,
  validateEnvelope,
  type AskEnvelope,
  type ErrorReplyEnvelope,
  type ReplyEnvelope,
  type TellEnvelope,
  type WireEnvelope,
} from "../../src/nats/envelope.js";
import { prng } from "../support/prng.js";
import { thrownBy } from "../support/thrown-by.js";

const HEADER = {
  version: PROTOCOL_VERSION,
  sender: "node-a",
  incarnation: 1_700_000_000_000,
} as const;

function tell(args: readonly unknown[], target = "/user/a"): TellEnvelope {
  return { ...HEADER, kind: "tell", target, method: "m", args };
}

function ask(args: readonly unknown[], target = "/user/a"): AskEnvelope {
  return { ...HEADER, kind: "ask", id: 41, target, method: "m", args };
}

function reply(value: unknown): ReplyEnvelope {
  return { ...HEADER, kind: "reply", requestId: 9, value };
}

function errorReply(error: ErrorReplyEnvelope["error"]): ErrorReplyEnvelope {
  return { ...HEADER, kind: "error-reply", requestId: 9, error };
}

function decoded(bytes: Uint8Array, options?: CodecOptions): WireEnvelope {
  const result = decodeEnvelope(bytes, options);
  if (!result.ok) throw new Error(`expected a valid envelope: ${result.reason}`);
  return result.envelope;
}

function roundTrip(envelope: WireEnvelope): WireEnvelope {
  return decoded(encodeEnvelope(envelope));
}

/** The args of a tell carrying `args`, after a round trip. */
function argsAfterTrip(args: readonly unknown[]): readonly unknown[] {
  return (roundTrip(tell(args)) as TellEnvelope).args;
}

/** The reason decoding `bytes` fails with (fails the test if it decodes). */
function rejection(bytes: Uint8Array): string {
  const result = decodeEnvelope(bytes);
  if (result.ok) throw new Error(`expected ok: false, got ${JSON.stringify(result.envelope)}`);
  return result.reason;
}

// Wire crafting: the same msgpackr options as the codec, to write what a peer could send.
const rawPackr = new Packr({
  useRecords: true,
  mapsAsObjects: false,
  moreTypes: true,
  structuredClone: false,
  useToJSON: false,
});
const rawUnpackr = new Unpackr({ useRecords: true, mapsAsObjects: false, moreTypes: true });

/** The wire tuple of a valid envelope, for a test to spoil one field of. */
function wireOf(envelope: WireEnvelope): unknown[] {
  return rawUnpackr.unpack(encodeEnvelope(envelope)) as unknown[];
}

/** `envelope`'s wire form with field `index` replaced, re-encoded. */
function withField(envelope: WireEnvelope, index: number, value: unknown): Uint8Array {
  const wire = wireOf(envelope);
  wire[index] = value;
  return rawPackr.pack(wire);
}

function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

/** A message with one of everything that may travel, for the fuzz and truncation tests. */
function richTell(): TellEnvelope {
  return tell(
    [
      "héllo ✓ 😀",
      -1.5,
      2 ** 40,
      true,
      null,
      undefined,
      2n ** 64n,
      -5n,
      { a: 1, b: [1, 2, { c: "d" }], e: {} },
      [{ x: 1, y: 2 }, { x: 3, y: 4 }, []],
      new Map<unknown, unknown>([
        ["k", 1],
        [2, [3]],
      ]),
      new Set(["s", 1]),
      new Date(1_700_000_000_123),
      new Uint8Array([1, 2, 3]),
      new Float64Array([0.5, -2]),
      new ArrayBuffer(4),
      new TypeError("bad", { cause: "why" }),
    ],
    "/user/parent/$1a/child",
  );
}

describe("round trips", () => {
  it.each<[string, WireEnvelope]>([
    ["a tell to a path", tell([1, "two", { three: 3 }])],
    ["a tell with no args", tell([])],
    ["a tell to a generated-name path", tell([], "/user/$0/$zz/a-b_c~d@e:f+g=h$i")],
    ["an ask to a service key", ask(["x"], "fetchers")],
    ["a reply", reply({ answer: 42 })],
    ["a reply of undefined", reply(undefined)],
    [
      "an error reply with code and fields",
      errorReply({
        name: "AskTimeoutError",
        message: "timed out",
        code: "ERR_ASK_TIMEOUT",
        fields: { actorPath: "/user/a", timeoutMs: 5000, started: false },
      }),
    ],
    ["an error reply with name and message only", errorReply({ name: "Error", message: "" })],
  ])("%s", (_label, envelope) => {
    expect(roundTrip(envelope)).toEqual(envelope);
  });

  it("carries the wire form documented in codec.ts (version first, kind as a number)", () => {
    expect(wireOf(tell([1]))).toEqual([1, 0, "node-a", 1_700_000_000_000, "/user/a", "m", [1]]);
    expect(wireOf(ask([], "svc"))).toEqual([1, 1, "node-a", 1_700_000_000_000, 41, "svc", "m", []]);
    expect(wireOf(reply("v"))).toEqual([1, 2, "node-a", 1_700_000_000_000, 9, "v"]);
    expect(wireOf(errorReply({ name: "E", message: "m" }))).toEqual([
      1,
      3,
      "node-a",
      1_700_000_000_000,
      9,
      "E",
      "m",
      null,
      null,
    ]);
  });

  it("encodes a small message compactly", () => {
    expect(encodeEnvelope(tell([2])).byteLength).toBeLessThan(40);
  });

  it.each<[string, unknown]>([
    ["an empty string", ""],
    ["a non-ASCII string", "héllo ✓ 😀 — ñ"],
    ["a long string", "x".repeat(70_000)],
    ["0", 0],
    ["a negative integer", -1],
    ["a 32-bit integer", 2 ** 31],
    ["the largest safe integer", Number.MAX_SAFE_INTEGER],
    ["the smallest safe integer", Number.MIN_SAFE_INTEGER],
    ["a fraction", 1.5],
    ["a tiny number", Number.MIN_VALUE],
    ["a huge number", 1e300],
    ["NaN", Number.NaN],
    ["Infinity", Infinity],
    ["-Infinity", -Infinity],
    ["true", true],
    ["false", false],
    ["null", null],
    ["undefined", undefined],
    ["a small bigint", 5n],
    ["a negative bigint", -1n],
    ["the largest int64", 2n ** 63n - 1n],
    ["the smallest int64", -(2n ** 63n)],
    ["the largest uint64", 2n ** 64n - 1n],
    ["a bigint past 64 bits", 2n ** 200n + 12345n],
    ["a negative bigint past 64 bits", -(2n ** 200n)],
    ["an empty object", {}],
    ["a nested object", { a: { b: { c: [1, { d: null }] } }, "key with spaces": 1, 3: "three" }],
    ["an object with undefined values", { a: undefined, b: 1 }],
    ["an empty array", []],
    ["a nested array", [[1, [2, [3]]], []]],
    [
      "objects of one shape",
      [
        { x: 1, y: "a" },
        { x: 2, y: "b" },
        { x: 3, y: "c" },
      ],
    ],
    [
      "a Map with keys of several types",
      new Map<unknown, unknown>([
        [1, "a"],
        ["k", { x: 1 }],
        [{ o: 1 }, [2]],
        [2n, null],
      ]),
    ],
    ["an empty Map", new Map()],
    ["a Set", new Set<unknown>([1, "a", { x: 1 }, [2]])],
    ["an empty Set", new Set()],
    ["a Date", new Date(1_700_000_000_123)],
    ["the epoch", new Date(0)],
    ["a Date before 1970", new Date(-1e12)],
    ["the last Date", new Date(8.64e15)],
    ["an Int8Array", new Int8Array([-128, 0, 127])],
    ["a Uint8Array", new Uint8Array([0, 1, 255])],
    ["a Uint8ClampedArray", new Uint8ClampedArray([0, 255])],
    ["an Int16Array", new Int16Array([-32768, 32767])],
    ["a Uint16Array", new Uint16Array([65535])],
    ["an Int32Array", new Int32Array([-(2 ** 31), 2 ** 31 - 1])],
    ["a Uint32Array", new Uint32Array([2 ** 32 - 1])],
    ["a Float32Array", new Float32Array([0.5, -1.25])],
    ["a Float64Array", new Float64Array([Math.PI, Number.NaN])],
    ["a BigInt64Array", new BigInt64Array([-(2n ** 63n), 1n])],
    ["a BigUint64Array", new BigUint64Array([2n ** 64n - 1n])],
    ["an empty Uint8Array", new Uint8Array(0)],
    ["an ArrayBuffer", new Uint8Array([1, 2, 3]).buffer],
    ["a DataView", new DataView(new Uint8Array([9, 8]).buffer)],
    ["a value nested up to the depth limit", nested(MAX_DATA_DEPTH - 1)],
  ])("carries %s", (_label, value) => {
    const [after] = argsAfterTrip([value]);
    expect(after).toEqual(value);
    if (typeof value === "object" && value !== null)
      expect((after as object).constructor).toBe(value.constructor);
  });

  it("carries 100 object shapes in one message", () => {
    const shapes = Array.from({ length: 100 }, (_, i) => ({ [`k${i}`]: i, shared: "s" }));
    expect(argsAfterTrip(shapes)).toEqual(shapes);
  });

  it("carries an invalid Date as an invalid Date", () => {
    const [after] = argsAfterTrip([new Date(Number.NaN)]);
    expect(after).toBeInstanceOf(Date);
    expect(Number.isNaN((after as Date).getTime())).toBe(true);
  });

  it("carries a typed array that views part of a larger buffer as just that part", () => {
    const whole = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]);
    const [after] = argsAfterTrip([new Uint16Array(whole.buffer, 2, 2)]);
    expect(after).toEqual(new Uint16Array(whole.buffer, 2, 2));
    expect((after as Uint16Array).byteLength).toBe(4);
  });

  it("carries Errors with their name, message and cause, as the built-in class", () => {
    const [plain, typed, aggregate] = argsAfterTrip([
      new Error("plain"),
      new TypeError("typed", { cause: { why: [1] } }),
      new AggregateError([new RangeError("inner")], "all failed"),
    ]) as [Error, TypeError, AggregateError];
    expect(plain).toBeInstanceOf(Error);
    expect(plain.message).toBe("plain");
    expect(typed).toBeInstanceOf(TypeError);
    expect(typed.message).toBe("typed");
    expect(typed.cause).toEqual({ why: [1] });
    expect(aggregate).toBeInstanceOf(AggregateError);
    expect(aggregate.message).toBe("all failed");
    expect(aggregate.errors).toHaveLength(1);
    expect(aggregate.errors[0]).toBeInstanceOf(RangeError);
    expect((aggregate.errors[0] as Error).message).toBe("inner");
  });

  describe("the documented conversions", () => {
    it("an Error subclass arrives as an Error with its name; its other fields stay behind", () => {
      class QuotaError extends Error {
        override name = "QuotaError";
        readonly code = "ERR_QUOTA";
      }
      const [after] = argsAfterTrip([new QuotaError("over quota")]) as [Error];
      expect(after.constructor).toBe(Error);
      expect(after.name).toBe("QuotaError");
      expect(after.message).toBe("over quota");
      expect("code" in after).toBe(false);
    });

    it("a Buffer arrives as a Uint8Array", () => {
      const [after] = argsAfterTrip([Buffer.from([1, 2, 3])]);
      expect(after).toEqual(new Uint8Array([1, 2, 3]));
      expect((after as object).constructor).toBe(Uint8Array);
    });

    it("-0 arrives as 0", () => {
      const [after] = argsAfterTrip([-0]);
      expect(Object.is(after, 0)).toBe(true);
    });

    it("an object with a null prototype arrives as a plain object", () => {
      const bare = Object.assign(Object.create(null) as object, { a: 1 });
      const [after] = argsAfterTrip([bare]);
      expect(after).toEqual({ a: 1 });
      expect(Object.getPrototypeOf(after)).toBe(Object.prototype);
    });

    it("holes in an array arrive as undefined", () => {
      // eslint-disable-next-line no-sparse-arrays -- the case under test
      const [after] = argsAfterTrip([[1, , 3]]);
      expect(after).toEqual([1, undefined, 3]);
      expect(1 in (after as unknown[])).toBe(true);
    });

    it("a value reachable twice (no cycle) arrives as two copies", () => {
      const shared = { n: 1 };
      const [after] = argsAfterTrip([{ left: shared, right: shared }]) as [
        { left: object; right: object },
      ];
      expect(after).toEqual({ left: { n: 1 }, right: { n: 1 } });
      expect(after.left).not.toBe(after.right);
    });

    it('an own key "__proto__" arrives as "__proto_", and a lone surrogate as U+FFFD', () => {
      const parsed = JSON.parse('{"__proto__": 1, "a": 2}') as object;
      expect(argsAfterTrip([parsed, "a\ud800b"])).toEqual([{ __proto_: 1, a: 2 }, "a\ufffdb"]);
    });

    it("symbol-keyed properties are not carried", () => {
      const [after] = argsAfterTrip([{ a: 1, [Symbol("hidden")]: 2 }]);
      expect(after).toEqual({ a: 1 });
      expect(Object.getOwnPropertySymbols(after)).toEqual([]);
    });
  });
});

describe("encode refusals (thrown synchronously)", () => {
  function refusal(envelope: WireEnvelope, options?: CodecOptions): MessageEncodeError {
    const error = thrownBy(() => encodeEnvelope(envelope, options), MessageEncodeError);
    expect(error.code).toBe("ERR_MESSAGE_ENCODE");
    expect(error.name).toBe("MessageEncodeError");
    return error;
  }

  class Point {
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
    norm(): number {
      return Math.hypot(this.x, this.y);
    }
  }
  class MyMap extends Map<unknown, unknown> {}
  class MySet extends Set<unknown> {}
  class MyArray extends Array<unknown> {}
  class MyDate extends Date {}
  function handler(): void {}

  it.each<[string, unknown, string]>([
    ["a function", handler, "a function (handler)"],
    ["an arrow function", () => 1, "a function (anonymous)"],
    ["a class", Point, "a function (Point)"],
    ["a symbol", Symbol("s"), "Symbol(s) (symbol)"],
    ["a class instance", new Point(1, 2), "an object (Point)"],
    ["a Promise", Promise.resolve(1), "an object (Promise)"],
    ["a WeakMap", new WeakMap(), "an object (WeakMap)"],
    ["a WeakSet", new WeakSet(), "an object (WeakSet)"],
    ["a RegExp", /a+b/g, "an object (RegExp)"],
    ["a boxed string", new String("s"), "an object (String)"],
    ["a boxed number", new Number(1), "an object (Number)"],
    ["a boxed boolean", new Boolean(true), "an object (Boolean)"],
    ["a Map subclass", new MyMap([[1, 2]]), "an object (MyMap)"],
    ["a Set subclass", new MySet([1]), "an object (MySet)"],
    ["an Array subclass", MyArray.from([1]), "an array subclass (MyArray)"],
    ["a Date subclass", new MyDate(0), "an object (MyDate)"],
    ["a SharedArrayBuffer", new SharedArrayBuffer(4), "an object (SharedArrayBuffer)"],
  ])("refuses %s, naming it and where it is", (_label, value, described) => {
    const error = refusal(tell([1, value]));
    expect(error.reason).toBe("unsupported-type");
    expect(error.detail).toBe(`args[1] is ${described}, which cannot be sent to another node`);
    expect(error).toMatchObject({ target: "/user/a", method: "m", requestId: undefined });
    expect(error.size).toBeUndefined();
    expect(error.limit).toBeUndefined();
    expect(error.message).toBe(
      `Cannot send "m" to /user/a: ${error.detail}. Send plain data: objects, arrays, ` +
        `strings, numbers, booleans, null, undefined, bigint, Date, Map, Set, typed arrays, ` +
        `ArrayBuffer, DataView, and Errors (which carry their name, message and cause only).`,
    );
  });

  it.each<[string, unknown, string]>([
    ["a method of a plain object", { a: { run() {} } }, "args[0].a.run is a function (run)"],
    ["a toJSON method", { toJSON: () => "x" }, "args[0].toJSON is a function (toJSON)"],
    [
      "a key that is not an identifier",
      { "a b": [Symbol.iterator] },
      'args[0]["a b"][0] is Symbol(Symbol.iterator) (symbol)',
    ],
    [
      "a Map value under a string key",
      new Map([["k", handler]]),
      'args[0].get("k") is a function (handler)',
    ],
    [
      "a Map value under a number key",
      new Map([[7, handler]]),
      "args[0].get(7) is a function (handler)",
    ],
    [
      "a Map value under an object key",
      new Map([[{}, handler]]),
      "args[0].values()[0] is a function (handler)",
    ],
    [
      "a Map key",
      new Map<unknown, number>([
        [1, 1],
        [Symbol("k"), 2],
      ]),
      "args[0].keys()[1] is Symbol(k) (symbol)",
    ],
    ["a Set member", new Set([1, 2, /x/]), "args[0].values()[2] is an object (RegExp)"],
    [
      "an Error's cause",
      new Error("e", { cause: new Point(0, 0) }),
      "args[0].cause is an object (Point)",
    ],
    [
      "an AggregateError's errors",
      new AggregateError([handler]),
      "args[0].errors[0] is a function (handler)",
    ],
  ])("locates %s", (_label, value, detail) => {
    const error = refusal(tell([value]));
    expect(error.reason).toBe("unsupported-type");
    expect(error.detail).toBe(`${detail}, which cannot be sent to another node`);
  });

  it("names the reply it could not send", () => {
    const error = refusal(reply({ done: handler }));
    expect(error).toMatchObject({
      reason: "unsupported-type",
      detail: "value.done is a function (handler), which cannot be sent to another node",
      target: undefined,
      method: undefined,
      requestId: 9,
    });
    expect(error.message).toMatch(/^Cannot send the reply to request 9: value\.done is a function/);
  });

  it("checks an error reply's fields", () => {
    const error = refusal(
      errorReply({ name: "E", message: "m", fields: { signal: new AbortController() } }),
    );
    expect(error.reason).toBe("unsupported-type");
    expect(error.detail).toBe(
      "error.fields.signal is an object (AbortController), which cannot be sent to another node",
    );
  });

  describe("cycles", () => {
    it.each<[string, () => unknown, string]>([
      [
        "an object that contains itself",
        () => {
          const a: Record<string, unknown> = {};
          a["self"] = a;
          return a;
        },
        "args[0].self refers back to args[0]",
      ],
      [
        "a longer loop",
        () => {
          const a: Record<string, unknown> = { b: { c: {} } };
          (a["b"] as { c: Record<string, unknown> }).c["back"] = a["b"];
          return a;
        },
        "args[0].b.c.back refers back to args[0].b",
      ],
      [
        "an array in itself",
        () => {
          const list: unknown[] = [1];
          list.push([list]);
          return list;
        },
        "args[0][1][0] refers back to args[0]",
      ],
      [
        "a Map value",
        () => {
          const map = new Map<string, unknown>();
          map.set("me", { map });
          return map;
        },
        'args[0].get("me").map refers back to args[0]',
      ],
      [
        "a Set member",
        () => {
          const set = new Set<unknown>();
          set.add([set]);
          return set;
        },
        "args[0].values()[0][0] refers back to args[0]",
      ],
      [
        "an Error's cause",
        () => {
          const error = new Error("loop");
          error.cause = { error };
          return error;
        },
        "args[0].cause.error refers back to args[0]",
      ],
    ])("refuses %s", (_label, make, where) => {
      const error = refusal(tell([make()]));
      expect(error.reason).toBe("cyclic");
      expect(error.detail).toBe(`${where}, which contains it (a cycle)`);
      expect(error.message).toContain("send data without cycles");
    });

    it("refuses args that contain themselves", () => {
      const args: unknown[] = [];
      args.push(args);
      expect(refusal(tell(args)).detail).toBe(
        "args[0] refers back to args, which contains it (a cycle)",
      );
    });
  });

  describe("depth", () => {
    it(`refuses data nested more than ${MAX_DATA_DEPTH} containers deep, counting args`, () => {
      expect(() => encodeEnvelope(tell([nested(MAX_DATA_DEPTH - 1)]))).not.toThrow();
      const error = refusal(tell([nested(MAX_DATA_DEPTH)]));
      expect(error.reason).toBe("too-deep");
      expect(error.detail).toMatch(
        new RegExp(
          `^args(\\[0\\])+…(\\[0\\])+ nests containers more than ${MAX_DATA_DEPTH} levels deep$`,
        ),
      );
      expect(error.message).toContain("Flatten the data");
    });

    it("counts a reply's value as the first level", () => {
      expect(() => encodeEnvelope(reply(nested(MAX_DATA_DEPTH)))).not.toThrow();
      expect(refusal(reply(nested(MAX_DATA_DEPTH + 1))).reason).toBe("too-deep");
    });
  });

  describe("size", () => {
    it("accepts a message of exactly maxBytes and refuses one byte more, with its size", () => {
      const envelope = tell(["x".repeat(200)]);
      const size = encodeEnvelope(envelope).byteLength;
      expect(encodeEnvelope(envelope, { maxBytes: size }).byteLength).toBe(size);
      const error = refusal(envelope, { maxBytes: size - 1 });
      expect(error).toMatchObject({
        reason: "too-large",
        size,
        limit: size - 1,
        detail: `it encodes to ${size} bytes, over the limit of ${size - 1} bytes`,
      });
      expect(error.message).toBe(
        `Cannot send "m" to /user/a: ${error.detail}. Send less per message (split it, or ` +
          `send a key the receiver can fetch the data with), or raise maxBytes.`,
      );
    });

    it("refuses a message it can tell is too large before encoding it (1 MiB by default)", () => {
      const error = refusal(tell(["x".repeat(DEFAULT_MAX_BYTES)]));
      expect(error.reason).toBe("too-large");
      expect(error.limit).toBe(DEFAULT_MAX_BYTES);
      expect(error.size).toBeGreaterThan(DEFAULT_MAX_BYTES);
      expect(error.detail).toBe(
        `it encodes to at least ${error.size} bytes, over the limit of ${DEFAULT_MAX_BYTES} bytes`,
      );
    });

    it("counts typed arrays by their bytes", () => {
      expect(refusal(tell([new Float64Array(20)]), { maxBytes: 100 }).reason).toBe("too-large");
    });

    it("stops early on data that shares references exponentially", () => {
      let value: unknown = [1];
      for (let i = 0; i < 60; i++) value = [value, value]; // 2^60 leaves, 61 arrays
      const error = refusal(tell([value]));
      expect(error.reason).toBe("too-large");
      expect(error.size).toBe(DEFAULT_MAX_BYTES + 1);
    });
  });

  it.each<[string, WireEnvelope, string]>([
    [
      "an empty method",
      { ...tell([]), method: "" },
      'method "" (string) is not a non-empty string',
    ],
    [
      "a bad target",
      tell([], "/user/a.b"),
      'target "/user/a.b" is not a valid actor path: segment "a.b" is not an actor name',
    ],
    [
      "a negative incarnation",
      { ...tell([]), incarnation: -1 },
      "incarnation -1 (number) is not an integer between 0 and 2^53 - 1",
    ],
    [
      "an ask without an id",
      { ...ask([]), id: undefined } as unknown as WireEnvelope,
      "id undefined is not an integer",
    ],
  ])("refuses an invalid envelope: %s", (_label, envelope, detail) => {
    const error = refusal(envelope);
    expect(error.reason).toBe("invalid-envelope");
    expect(error.detail).toContain(`the envelope is invalid: ${detail}`);
    expect(error.message).toContain("Check the target and the method name");
  });

  it.each<[string, unknown]>([
    ["options", null],
    ["options", 5],
    ["options.maxbytes", { maxbytes: 10 }],
    ["maxBytes", { maxBytes: 0 }],
    ["maxBytes", { maxBytes: 1.5 }],
    ["maxBytes", { maxBytes: "100" }],
    ["maxBytes", { maxBytes: Number.NaN }],
  ])("rejects bad options at encode and decode: %s = %o", (option, options) => {
    for (const call of [
      () => encodeEnvelope(tell([]), options as CodecOptions),
      () => decodeEnvelope(new Uint8Array([1]), options as CodecOptions),
    ]) {
      const error = thrownBy(call, InvalidOptionError);
      expect(error.option).toBe(option);
    }
  });
});

describe("decoding never throws", () => {
  /** Decodes `bytes`, which must not throw; true when it gave a valid envelope. */
  function decodesTotally(bytes: Uint8Array, reasons?: Set<string>): boolean {
    let result: ReturnType<typeof decodeEnvelope>;
    try {
      result = decodeEnvelope(bytes);
    } catch (error) {
      throw new Error(`decodeEnvelope threw for ${Buffer.from(bytes).toString("hex")}`, {
        cause: error,
      });
    }
    if (result.ok) {
      expect(validateEnvelope(result.envelope).ok).toBe(true);
      return true;
    }
    expect(result.reason.length).toBeGreaterThan(0);
    expect(result.reason.length).toBeLessThan(400);
    reasons?.add(result.reason.slice(0, 30));
    return false;
  }

  it.each([7, 2024])("1,000 random buffers of random lengths give a reason (seed %i)", (seed) => {
    const random = prng(seed);
    const reasons = new Set<string>();
    for (let n = 0; n < 1000; n++) {
      const length = random() < 0.9 ? Math.floor(random() * 64) : Math.floor(random() * 4096);
      const bytes = new Uint8Array(length);
      for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
      // Half of them look like the start of an envelope, to reach past the framing checks.
      if (n % 2 === 1 && length >= 3) {
        bytes[0] = 0x96 + Math.floor(random() * 4); // fixarray of 6-9
        bytes[1] = PROTOCOL_VERSION;
        bytes[2] = Math.floor(random() * 4); // a kind code
      }
      decodesTotally(bytes, reasons);
    }
    // Past the MessagePack and framing checks too, into the field checks.
    expect([...reasons].some((r) => r.startsWith("sender"))).toBe(true);
  });

  it.each([1, 99])("1,000 mutations of valid encodings are valid or refused (seed %i)", (seed) => {
    const random = prng(seed);
    const valid = [
      encodeEnvelope(richTell()),
      encodeEnvelope(ask([{ a: 1 }, [1, 2]], "svc")),
      encodeEnvelope(reply(new Map([[1, { x: [1n] }]]))),
      encodeEnvelope(errorReply({ name: "E", message: "m", code: "ERR_X", fields: { a: 1 } })),
    ];
    let accepted = 0;
    for (let n = 0; n < 1000; n++) {
      const bytes = Uint8Array.from(valid[n % valid.length]!);
      const flips = 1 + Math.floor(random() * 3);
      for (let f = 0; f < flips; f++)
        bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      if (decodesTotally(bytes)) accepted++;
    }
    // Some mutations only change a number or a character; most break the envelope.
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(1000);
  });

  it("every truncation of a valid encoding is refused", () => {
    for (const envelope of [
      richTell(),
      ask(["x"], "svc"),
      reply(null),
      errorReply({ name: "E", message: "" }),
    ]) {
      const bytes = encodeEnvelope(envelope);
      for (let length = 0; length < bytes.length; length++) {
        const reason = rejection(bytes.subarray(0, length));
        expect(reason).toBe(
          length === 0
            ? "the message is empty"
            : "the message is not valid MessagePack (it ends too early: truncated)",
        );
      }
    }
  });

  it("refuses trailing bytes, and two envelopes in one message", () => {
    const bytes = encodeEnvelope(tell([1]));
    for (const spoiled of [Buffer.concat([bytes, Buffer.from([0])]), Buffer.concat([bytes, bytes])])
      expect(rejection(spoiled)).toBe(
        "the message is not valid MessagePack (trailing bytes after the value)",
      );
  });

  it("refuses input nested too deeply for the decoder", () => {
    expect(rejection(new Uint8Array(200_000).fill(0x91))).toBe(
      "the message is not valid MessagePack (it nests too deeply)",
    );
  });

  it("keeps reasons short whatever the peer sent", () => {
    const long = "x".repeat(100_000);
    const sender = rejection(withField(tell([]), 2, long));
    expect(sender).toBe(
      `sender ${JSON.stringify("x".repeat(40))}…${JSON.stringify("x".repeat(12))} ` +
        `(100000 characters) (string) is not a valid node id ` +
        `(use 1-128 of letters, digits and _ - ~ @ : + = $, not starting with "$"; ` +
        `no dots, spaces, "/", "*" or ">")`,
    );
    expect(rejection(withField(tell([]), 4, `/user/${long}`)).length).toBeLessThan(400);
    expect(rejection(withField(tell([]), 0, 2n ** 100_000n))).toBe(
      "unsupported protocol version a bigint past 64 bits (this node speaks version 1)",
    );
    const deepKey = rejection(withField(tell([]), 6, [{ [long]: /x/ }]));
    expect(deepKey).toMatch(
      /^args\[0\]\["x+"…"x+" \(100000 characters\)\] is an object \(RegExp\)/,
    );
  });

  it("refuses a message over maxBytes without decoding it", () => {
    const bytes = encodeEnvelope(tell(["x".repeat(100)]));
    expect(decodeEnvelope(bytes, { maxBytes: bytes.length }).ok).toBe(true);
    expect(decodeEnvelope(bytes, { maxBytes: bytes.length - 1 })).toEqual({
      ok: false,
      reason: `the message is ${bytes.length} bytes, over the limit of ${bytes.length - 1} bytes`,
    });
    expect(rejection(new Uint8Array(DEFAULT_MAX_BYTES + 1))).toBe(
      `the message is ${DEFAULT_MAX_BYTES + 1} bytes, over the limit of ${DEFAULT_MAX_BYTES} bytes`,
    );
  });

  it.each<[string, unknown, string]>([
    ["a string", "bytes", '"bytes" (string)'],
    ["null", null, "null"],
    ["an ArrayBuffer", new ArrayBuffer(4), "an object (ArrayBuffer)"],
    ["an array of numbers", [1, 2], "an array"],
  ])("refuses %s instead of bytes", (_label, input, described) => {
    expect(rejection(input as Uint8Array)).toBe(`the message is ${described}, not bytes`);
  });

  it("decodes from a Buffer, and copies binary data out of the input", () => {
    const bytes = Buffer.from(encodeEnvelope(tell([new Uint8Array([1, 2, 3])])));
    const [binary] = (decoded(bytes) as TellEnvelope).args as [Uint8Array];
    bytes.fill(0);
    expect(binary).toEqual(new Uint8Array([1, 2, 3]));
    expect(binary.constructor).toBe(Uint8Array);
  });
});

describe("malformed envelopes from the wire", () => {
  it.each<[string, unknown, string]>([
    [
      "an object",
      { version: 1, kind: "tell" },
      "the message decodes to an object (Object), not an envelope (an array)",
    ],
    [
      "a Map",
      new Map([["version", 1]]),
      "the message decodes to an object (Map), not an envelope (an array)",
    ],
    ["a number", 5, "the message decodes to 5 (number), not an envelope (an array)"],
    ["an empty array", [], "the envelope is an empty array (no version)"],
    ["version 0", [0, 0], "unsupported protocol version 0 (number) (this node speaks version 1)"],
    [
      "version 2",
      [2, 0, "a"],
      "unsupported protocol version 2 (number) (this node speaks version 1)",
    ],
    [
      "a version string",
      ["1", 0],
      'unsupported protocol version "1" (string) (this node speaks version 1)',
    ],
    ["a nil version", [null], "unsupported protocol version null (this node speaks version 1)"],
    [
      "kind code 4",
      [1, 4],
      "unknown kind code 4 (number) (expected 0 for tell, 1 for ask, 2 for reply, 3 for error-reply)",
    ],
    ["kind code -1", [1, -1], "unknown kind code -1 (number)"],
    ["a kind name", [1, "tell"], 'unknown kind code "tell" (string)'],
    ["a fractional kind", [1, 1.5], "unknown kind code 1.5 (number)"],
    ["a missing kind", [1], "unknown kind code undefined"],
    [
      "a short tell",
      [1, 0, "n", 1, "/user/a", "m"],
      'an envelope of kind "tell" has 7 fields; this one has 6',
    ],
    [
      "a long ask",
      [1, 1, "n", 1, 1, "/user/a", "m", [], 0],
      'an envelope of kind "ask" has 8 fields; this one has 9',
    ],
  ])("refuses %s", (_label, wire, reason) => {
    expect(rejection(rawPackr.pack(wire))).toContain(reason);
  });

  const TELL = tell([1]);
  const ASK = ask([1]);
  const REPLY = reply(1);
  const ERROR = errorReply({ name: "E", message: "m", code: "ERR_X", fields: { a: 1 } });
  const S = 2; // sender
  const I = 3; // incarnation

  it.each<[string, WireEnvelope, number, unknown, string]>([
    ["an empty sender", TELL, S, "", 'sender "" (string) is not a valid node id'],
    ["a sender with a dot", TELL, S, "node.a", 'sender "node.a" (string) is not a valid node id'],
    ["a sender with a space", TELL, S, "node a", 'sender "node a" (string) is not a valid node id'],
    ["a sender starting with $", TELL, S, "$n", 'sender "$n" (string) is not a valid node id'],
    ["a sender of 129 characters", TELL, S, "n".repeat(129), "is not a valid node id"],
    ["a numeric sender", TELL, S, 5, "sender 5 (number) is not a valid node id"],
    [
      "a negative incarnation",
      TELL,
      I,
      -1,
      "incarnation -1 (number) is not an integer between 0 and 2^53 - 1",
    ],
    ["a fractional incarnation", TELL, I, 1.5, "incarnation 1.5 (number) is not an integer"],
    [
      "an unsafe incarnation",
      TELL,
      I,
      2 ** 53,
      "incarnation 9007199254740992 (number) is not an integer",
    ],
    ["a bigint incarnation", TELL, I, 5n, "incarnation 5 (bigint) is not an integer"],
    ["a string incarnation", TELL, I, "1", 'incarnation "1" (string) is not an integer'],
    ["an empty target", TELL, 4, "", 'target "" is not a valid service key'],
    [
      "the /user guardian",
      TELL,
      4,
      "/user",
      'target "/user" is not a valid actor path: it names no actor under /user',
    ],
    ["/user/", TELL, 4, "/user/", "it names no actor under /user"],
    [
      "a path outside /user",
      TELL,
      4,
      "/system/log",
      'target "/system/log" is not a valid actor path: it must start with "/user/"',
    ],
    ["a relative-looking path", TELL, 4, "/a", 'it must start with "/user/"'],
    ["an empty segment", TELL, 4, "/user/a//b", "it has an empty segment"],
    ["a trailing slash", TELL, 4, "/user/a/", "it has an empty segment"],
    ["a dot in a segment", TELL, 4, "/user/a.b", 'segment "a.b" is not an actor name'],
    ["a space in a segment", TELL, 4, "/user/a b", 'segment "a b" is not an actor name'],
    ["a * segment", TELL, 4, "/user/*", 'segment "*" is not an actor name'],
    ["a > segment", TELL, 4, "/user/a/>", 'segment ">" is not an actor name'],
    ["a bare $ segment", TELL, 4, "/user/$", 'segment "$" is not an actor name'],
    ["a generated-name look-alike", TELL, 4, "/user/$00", 'segment "$00" is not an actor name'],
    ["a segment of 129 characters", TELL, 4, `/user/${"a".repeat(129)}`, "is not an actor name"],
    ["a service key with a dot", TELL, 4, "svc.a", 'target "svc.a" is not a valid service key'],
    ["a service key with a slash", TELL, 4, "svc/a", 'target "svc/a" is not a valid service key'],
    [
      "a numeric target",
      TELL,
      4,
      5,
      "target 5 (number) is not a string (an actor path or a service key)",
    ],
    ["an empty method", TELL, 5, "", 'method "" (string) is not a non-empty string'],
    ["a numeric method", TELL, 5, 7, "method 7 (number) is not a non-empty string"],
    ["args as a record", TELL, 6, { 0: 1 }, "args is an object (Object), not an array"],
    ["args as a Map", TELL, 6, new Map(), "args is an object (Map), not an array"],
    ["nil args", TELL, 6, null, "args is null, not an array"],
    ["an ask's negative id", ASK, 4, -5, "id -5 (number) is not an integer between 0 and 2^53 - 1"],
    ["an ask's string id", ASK, 4, "7", 'id "7" (string) is not an integer'],
    ["an ask's bad target", ASK, 5, "/user/a.b", 'segment "a.b" is not an actor name'],
    ["a reply's fractional requestId", REPLY, 4, 0.5, "requestId 0.5 (number) is not an integer"],
    ["an error reply's nil requestId", ERROR, 4, null, "requestId null is not an integer"],
    [
      "an error reply's empty name",
      ERROR,
      5,
      "",
      'error.name "" (string) is not a non-empty string',
    ],
    [
      "an error reply's numeric name",
      ERROR,
      5,
      5,
      "error.name 5 (number) is not a non-empty string",
    ],
    ["an error reply's numeric message", ERROR, 6, 5, "error.message 5 (number) is not a string"],
    [
      "an error reply's empty code",
      ERROR,
      7,
      "",
      'error.code "" (string) is not a non-empty string',
    ],
    [
      "an error reply's numeric code",
      ERROR,
      7,
      5,
      "error.code 5 (number) is not a non-empty string",
    ],
    [
      "an error reply's undefined code",
      ERROR,
      7,
      undefined,
      "error.code undefined is not a non-empty string",
    ],
    [
      "an error reply's fields as an array",
      ERROR,
      8,
      [1],
      "error.fields is an array, not a plain object",
    ],
    [
      "an error reply's fields as a Map",
      ERROR,
      8,
      new Map(),
      "error.fields is an object (Map), not a plain object",
    ],
    [
      "an error reply's fields as a string",
      ERROR,
      8,
      "a",
      'error.fields is "a" (string), not a plain object',
    ],
  ])("refuses %s", (_label, envelope, index, value, reason) => {
    expect(rejection(withField(envelope, index, value))).toContain(reason);
  });

  it.each<[string, unknown, string]>([
    ["a RegExp", /a+/, "args[0] is an object (RegExp), which cannot be sent to another node"],
    [
      "msgpack's never-used 0xC1",
      C1,
      "args[0] is an object (C1Type), which cannot be sent to another node",
    ],
    [
      "data nested too deeply",
      nested(MAX_DATA_DEPTH),
      `nests containers more than ${MAX_DATA_DEPTH} levels deep`,
    ],
    ["a RegExp inside a Map", new Map([["k", [/x/]]]), 'args[0].get("k")[0] is an object (RegExp)'],
  ])("refuses %s in the data, which the sender could not have sent", (_label, value, reason) => {
    expect(rejection(withField(TELL, 6, [value]))).toContain(reason);
  });

  it("refuses a reply whose value is refused data", () => {
    expect(rejection(withField(REPLY, 5, { re: /x/ }))).toBe(
      "value.re is an object (RegExp), which cannot be sent to another node",
    );
  });

  it("refuses structured-clone references (a peer cannot send cycles)", () => {
    const cloning = new Packr({ structuredClone: true, useRecords: true, mapsAsObjects: false });
    const loop: Record<string, unknown> = { a: 1 };
    loop["self"] = loop;
    const wire = wireOf(TELL);
    wire[6] = [loop];
    expect(rejection(cloning.pack(wire))).toMatch(/^the message is not valid MessagePack \(/);
  });

  it("accepts what a well-behaved peer sends, field by field", () => {
    expect(decoded(withField(TELL, 4, "/user/$a/worker-1"))).toMatchObject({
      target: "/user/$a/worker-1",
    });
    expect(decoded(withField(TELL, 4, "fetchers"))).toMatchObject({ target: "fetchers" });
    expect(decoded(withField(TELL, I, 0))).toMatchObject({ incarnation: 0 });
    expect(decoded(withField(TELL, I, Number.MAX_SAFE_INTEGER))).toMatchObject({
      incarnation: Number.MAX_SAFE_INTEGER,
    });
    expect(decoded(withField(ERROR, 7, null))).toEqual(
      errorReply({ name: "E", message: "m", fields: { a: 1 } }),
    );
  });
});

describe("validateEnvelope", () => {
  it.each<[string, unknown, string]>([
    ["null", null, "the envelope is null, not an object"],
    ["an array", [1, 0], "the envelope is an array, not an object"],
    ["a string", "tell", 'the envelope is "tell" (string), not an object'],
    ["no version", { kind: "tell" }, "the envelope has no version"],
    ["a wrong version", { ...tell(["a"]), version: 2 }, "unsupported protocol version 2 (number)"],
    [
      "an unknown kind",
      { ...tell(["a"]), kind: "publish" },
      'unknown kind "publish" (string) (expected one of "tell", "ask", "reply", "error-reply")',
    ],
    [
      "a reply without a value property",
      { ...HEADER, kind: "reply", requestId: 1 },
      "the reply has no value property",
    ],
    [
      "an error reply without an error",
      { ...HEADER, kind: "error-reply", requestId: 1 },
      "error is undefined, not an object",
    ],
    [
      "args holding a function",
      { ...tell(["a"]), args: [{ f: () => 1 }] },
      "args[0].f is a function (f), which cannot be sent to another node",
    ],
    [
      "a cyclic reply",
      (() => {
        const v: unknown[] = [];
        v.push(v);
        return reply(v);
      })(),
      "value[0] refers back to value, which contains it (a cycle)",
    ],
  ])("refuses %s", (_label, value, reason) => {
    const result = validateEnvelope(value);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(reason);
  });

  it("accepts each kind and returns the same object", () => {
    for (const envelope of [
      tell(["a"]),
      ask([]),
      reply(undefined),
      errorReply({ name: "E", message: "" }),
    ])
      expect(validateEnvelope(envelope)).toEqual({ ok: true, envelope });
  });
});
