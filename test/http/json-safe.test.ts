/**
 * `toJsonSafe` and `errorJson`: values from application code made into what JSON can carry,
 * with what had to go named instead: bigints, non-finite numbers, undefined, functions,
 * symbols, cycles, dates, Maps and Sets, binary data, errors (code kept, stack not), a
 * throwing `toJSON` or getter; and the cuts the PREVIEW limits make (depth, string length,
 * items of arrays and objects). Every result must survive JSON.stringify.
 */
import { describe, expect, it } from "vitest";
import { PREVIEW, WHOLE, errorJson, toJsonSafe } from "../../src/http/json-safe.js";

/** `toJsonSafe`, checked to be JSON as it is (stringify and parse give it back). */
function safe(value: unknown, limits = WHOLE): unknown {
  const copy = toJsonSafe(value, limits);
  expect(JSON.parse(JSON.stringify(copy)) as unknown).toEqual(copy);
  return copy;
}

describe("values JSON cannot hold", () => {
  it("keeps plain JSON values as they are", () => {
    const value = { a: 1, b: "two", c: [true, false, null], d: { e: -0.5 } };
    expect(safe(value)).toEqual(value);
    expect(safe(value)).not.toBe(value);
  });

  it("writes bigints with their n", () => {
    expect(safe(10n)).toBe("10n");
    expect(safe([-(2n ** 64n)])).toEqual(["-18446744073709551616n"]);
  });

  it("names NaN and the infinities", () => {
    expect(safe([NaN, Infinity, -Infinity])).toEqual(["NaN", "Infinity", "-Infinity"]);
  });

  it("turns undefined into null, in arrays and objects alike", () => {
    expect(safe(undefined)).toBeNull();
    expect(safe([undefined])).toEqual([null]);
    expect(safe({ a: undefined })).toEqual({ a: null });
  });

  it("names functions, anonymous ones too", () => {
    function named(): void {}
    expect(safe([named, () => 1, class Klass {}])).toEqual([
      "[Function named]",
      "[Function anonymous]",
      "[Function Klass]",
    ]);
  });

  it("writes symbols with their description", () => {
    expect(safe([Symbol("tag"), Symbol()])).toEqual(["Symbol(tag)", "Symbol()"]);
  });

  it("marks a cycle, but copies an object seen twice without a cycle", () => {
    const node: Record<string, unknown> = { name: "a" };
    node["self"] = node;
    node["list"] = [node];
    expect(safe(node)).toEqual({ name: "a", self: "[Circular]", list: ["[Circular]"] });
    const shared = { x: 1 };
    expect(safe([shared, shared])).toEqual([{ x: 1 }, { x: 1 }]);
  });

  it("writes dates as ISO strings, an invalid date as null", () => {
    expect(safe(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)))).toBe("2024-01-02T03:04:05.000Z");
    expect(safe(new Date(NaN))).toBeNull();
  });

  it("writes Maps as [key, value] pairs and Sets as arrays", () => {
    expect(
      safe(
        new Map<unknown, unknown>([
          ["a", 1],
          [2n, { b: undefined }],
        ]),
      ),
    ).toEqual([
      ["a", 1],
      ["2n", { b: null }],
    ]);
    expect(safe(new Set([1, "two", 3n]))).toEqual([1, "two", "3n"]);
  });

  it("names binary data by type and size in a preview", () => {
    expect(safe(new Uint8Array(3), PREVIEW)).toBe("[Uint8Array 3 bytes]");
    expect(safe(new Float64Array(4), PREVIEW)).toBe("[Float64Array 32 bytes]");
    expect(safe(new DataView(new ArrayBuffer(5)), PREVIEW)).toBe("[DataView 5 bytes]");
    expect(safe(new ArrayBuffer(7), PREVIEW)).toBe("[ArrayBuffer 7 bytes]");
    // Regression: a Buffer went through its own toJSON, one array item per byte.
    expect(safe(Buffer.from("hello"), PREVIEW)).toBe("[Buffer 5 bytes]");
  });

  it("keeps binary data whole, as base64, in a reply", () => {
    expect(safe(Buffer.from("hello"))).toBe("aGVsbG8=");
    expect(safe(new Uint8Array([1, 2, 3]))).toBe("AQID");
    // Only the view's own bytes, not the whole buffer under it.
    expect(safe(new Uint8Array([9, 1, 2, 9]).subarray(1, 3))).toBe("AQI=");
    expect(safe(new Uint8Array([1, 2, 3]).buffer)).toBe("AQID");
  });

  it('copies a key named "__proto__" as data', () => {
    // Regression: plain assignment set the copy's prototype, and the data was lost.
    const value = JSON.parse('{"__proto__": {"admin": true}, "name": "x"}') as object;
    const copy = safe(value) as Record<string, unknown>;
    expect(Object.keys(copy)).toEqual(["__proto__", "name"]);
    expect(Object.getOwnPropertyDescriptor(copy, "__proto__")?.value).toEqual({ admin: true });
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(JSON.stringify(copy)).toBe('{"__proto__":{"admin":true},"name":"x"}');
  });

  it("uses toJSON, and names the object when toJSON throws", () => {
    class Money {
      toJSON(): unknown {
        return { cents: 150n };
      }
    }
    class Broken {
      toJSON(): never {
        throw new Error("no");
      }
    }
    expect(safe([new Money(), new Broken()])).toEqual([{ cents: "150n" }, "[Broken]"]);
    const self = {
      toJSON(): unknown {
        return self;
      },
    };
    expect(safe(self)).toBe("[Circular]");
  });

  it("names a property whose getter throws, and keeps the others", () => {
    const value = {
      ok: 1,
      get gone(): number {
        throw new Error("disposed");
      },
    };
    expect(safe(value)).toEqual({ ok: 1, gone: "[Unreadable]" });
  });

  it("names an object that cannot be read at all (a throwing proxy)", () => {
    const proxy = new Proxy(
      {},
      {
        ownKeys(): never {
          throw new Error("revoked");
        },
      },
    );
    expect(safe({ proxy, ok: true })).toEqual({ proxy: "[Unreadable]", ok: true });
    expect(safe(proxy)).toBe("[Unreadable]");
  });

  it("copies class instances by their own enumerable properties", () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
      get length(): number {
        return Math.hypot(this.x, this.y);
      }
    }
    expect(safe(new Point(3, 4))).toEqual({ x: 3, y: 4 });
    expect(safe(Object.create(null) as object)).toEqual({});
  });
});

describe("errors", () => {
  it("keeps name, message and a string code; never the stack", () => {
    const coded = Object.assign(new RangeError("out of range"), { code: "E_RANGE" });
    expect(errorJson(coded)).toEqual({
      name: "RangeError",
      message: "out of range",
      code: "E_RANGE",
    });
    expect(errorJson(new Error("plain"))).toEqual({ name: "Error", message: "plain" });
    expect(errorJson(Object.assign(new Error("numeric"), { code: 42 }))).toEqual({
      name: "Error",
      message: "numeric",
    });
    expect(safe({ error: coded })).toEqual({
      error: { name: "RangeError", message: "out of range", code: "E_RANGE" },
    });
  });

  it("describes a thrown non-Error", () => {
    expect(errorJson("just a string")).toEqual({ name: "NonError", message: "just a string" });
    expect(errorJson(42)).toEqual({ name: "NonError", message: "42" });
  });
});

describe("limits", () => {
  it("keeps everything with WHOLE (replies), up to 64 levels", () => {
    const long = "x".repeat(100_000);
    expect(safe(long)).toBe(long);
    const many = Array.from({ length: 1_000 }, (_, i) => i);
    expect(safe(many)).toEqual(many);
    let deep: unknown = "bottom";
    for (let i = 0; i < 70; i++) deep = [deep];
    let copy = safe(deep);
    for (let i = 0; i < 64; i++) copy = (copy as unknown[])[0];
    expect(copy).toBe("[Array]");
  });

  it("cuts strings past PREVIEW's 200 characters, saying how many went", () => {
    expect(safe("a".repeat(200), PREVIEW)).toBe("a".repeat(200));
    expect(safe("a".repeat(201), PREVIEW)).toBe(`${"a".repeat(200)}…(+1 chars)`);
    expect(safe(["b".repeat(1_000)], PREVIEW)).toEqual([`${"b".repeat(200)}…(+800 chars)`]);
  });

  it("cuts arrays, Sets and Maps past 20 items, saying how many more there were", () => {
    const items = Array.from({ length: 25 }, (_, i) => i);
    expect(safe(items, PREVIEW)).toEqual([...items.slice(0, 20), "…(+5 more)"]);
    expect(safe(new Set(items), PREVIEW)).toEqual([...items.slice(0, 20), "…(+5 more)"]);
    expect(safe(items.slice(0, 20), PREVIEW)).toEqual(items.slice(0, 20));
    expect((safe(new Map(items.map((i) => [i, i])), PREVIEW) as unknown[]).at(-1)).toBe(
      "…(+5 more)",
    );
  });

  it("cuts objects past 20 entries with a … key", () => {
    const object = Object.fromEntries(Array.from({ length: 22 }, (_, i) => [`k${i}`, i]));
    const copy = safe(object, PREVIEW) as Record<string, unknown>;
    expect(Object.keys(copy)).toHaveLength(21);
    expect(copy["k19"]).toBe(19);
    expect(copy["k20"]).toBeUndefined();
    expect(copy["…"]).toBe("(+2 more)");
  });

  it("replaces what lies deeper than PREVIEW's 4 levels", () => {
    const value = { a: { b: { c: { d: { e: 1 }, list: [1] } } } };
    expect(safe(value, PREVIEW)).toEqual({ a: { b: { c: { d: "[Object]", list: "[Array]" } } } });
    expect(safe([[[[["deep"]]]]], PREVIEW)).toEqual([[[["[Array]"]]]]);
    expect(safe([[[["leaf"]]]], PREVIEW)).toEqual([[[["leaf"]]]]);
  });

  it("applies custom limits", () => {
    expect(
      toJsonSafe({ s: "abcdef", l: [1, 2, 3] }, { depth: 2, string: 3, items: 2, bytes: "size" }),
    ).toEqual({
      s: "abc…(+3 chars)",
      l: [1, 2, "…(+1 more)"],
    });
  });
});
