/**
 * Type tests for the protocol an ActorRef derives from its actor class: message names,
 * argument types and reply types, what is *not* a message (lifecycle hooks, private,
 * protected and #private members, fields that are not functions, getters), and that refs to
 * actors with different protocols cannot be swapped. Checked by vitest's typecheck (tsc);
 * nothing here runs.
 */
import { describe, expectTypeOf, test } from "vitest";
import {
  Actor,
  type ActorRef,
  type ActorSystem,
  type ArgsOf,
  type MessageArgs,
  type MessageName,
  type MessageReply,
  type ReplyOf,
} from "../../src/index.js";

class Counter extends Actor {
  #count = 0;
  inc(by = 1): void {
    this.#count += by;
  }
  add(a: number, b: number): void {
    this.#count += a + b;
  }
  get(): number {
    return this.#count;
  }
  async slowGet(): Promise<number> {
    await Promise.resolve();
    return this.#count;
  }
  label(prefix: string, options?: { upper: boolean }): string {
    const text = `${prefix}${this.#count}`;
    return options?.upper === true ? text.toUpperCase() : text;
  }
  double = (n: number): number => n * 2;
}

class Greeter extends Actor {
  greet(name: string): string {
    return `hello ${name}`;
  }
}

/** Same method name as Counter's `get`, different reply type. */
class TextStore extends Actor {
  get(): string {
    return "text";
  }
}

class Hidden extends Actor {
  #secret(): number {
    return 1;
  }
  private privateMethod(): number {
    return this.#secret();
  }
  protected protectedMethod(): number {
    return this.privateMethod();
  }
  field = 42;
  readonly settings = { verbose: true };
  get area(): number {
    return 4;
  }
  protected override onStart(): void {}
  protected override onStop(): void {}
  protected override onRestart(_error: Error): void {}
  protected override onTerminated(): void {}
  visible(): number {
    return this.protectedMethod();
  }
}

/** A hook overridden without `protected` (TypeScript allows widening it to public). */
class PublicHooks extends Actor {
  override onStart(): void {}
  override onStop(): Promise<void> {
    return Promise.resolve();
  }
  ping(): string {
    return "pong";
  }
}

declare const system: ActorSystem;
declare const counter: ActorRef<Counter>;
declare const greeter: ActorRef<Greeter>;
declare const hidden: ActorRef<Hidden>;

describe("message names", () => {
  test("are the public methods and function-valued fields of the class", () => {
    expectTypeOf<MessageName<Counter>>().toEqualTypeOf<
      "inc" | "add" | "get" | "slowGet" | "label" | "double"
    >();
    expectTypeOf<MessageName<Greeter>>().toEqualTypeOf<"greet">();
  });

  test("exclude lifecycle hooks, private, protected, #private, getters and plain fields", () => {
    expectTypeOf<MessageName<Hidden>>().toEqualTypeOf<"visible">();
    // @ts-expect-error a lifecycle hook is not a message
    hidden.tell("onStart");
    // @ts-expect-error a lifecycle hook is not a message
    hidden.tell("onRestart", new Error("x"));
    // @ts-expect-error a private method is not a message
    hidden.tell("privateMethod");
    // @ts-expect-error a protected method is not a message
    hidden.tell("protectedMethod");
    // @ts-expect-error a #private method is not even a property
    hidden.tell("#secret");
    // @ts-expect-error a plain field is not a message
    hidden.tell("field");
    // @ts-expect-error an object field is not a message
    hidden.tell("settings");
    // @ts-expect-error a getter is not a message
    hidden.tell("area");
    // @ts-expect-error the base class's accessors are not messages
    hidden.tell("self");
    // @ts-expect-error nor is anything of Object.prototype
    hidden.tell("toString");
  });

  test("exclude lifecycle hooks even when a subclass overrides them as public", () => {
    // The run time refuses these (UnknownMessageError), so the types must too.
    expectTypeOf<MessageName<PublicHooks>>().toEqualTypeOf<"ping">();
  });

  test("a wrong message name is a compile error for tell, ask and send", () => {
    // @ts-expect-error no such message
    counter.tell("reset");
    // @ts-expect-error no such message
    void counter.ask("reset");
    // @ts-expect-error no such message
    void counter.send("reset");
  });
});

describe("arguments", () => {
  test("are checked against the handler's parameters", () => {
    counter.tell("inc");
    counter.tell("inc", 2);
    counter.tell("add", 1, 2);
    counter.tell("label", "n=");
    counter.tell("label", "n=", { upper: true });
    counter.tell("double", 4);
    // @ts-expect-error wrong argument type
    counter.tell("inc", "2");
    // @ts-expect-error missing argument
    counter.tell("add", 1);
    // @ts-expect-error too many arguments
    counter.tell("get", 1);
    // @ts-expect-error wrong type inside an options argument
    counter.tell("label", "n=", { upper: "yes" });
    // @ts-expect-error wrong argument type, through ask
    void counter.ask("add", "1", 2);
    // @ts-expect-error wrong argument type, through send
    void counter.send("double", "4");
  });

  test("ArgsOf / MessageArgs give the parameter tuple", () => {
    expectTypeOf<ArgsOf<Counter["add"]>>().toEqualTypeOf<[a: number, b: number]>();
    expectTypeOf<MessageArgs<Counter, "inc">>().toEqualTypeOf<[by?: number]>();
    expectTypeOf<MessageArgs<Greeter, "greet">>().toEqualTypeOf<[name: string]>();
  });
});

describe("replies", () => {
  test("ask resolves to the handler's return type, awaited", () => {
    expectTypeOf(counter.ask("get")).toEqualTypeOf<Promise<number>>();
    expectTypeOf(counter.ask("slowGet")).toEqualTypeOf<Promise<number>>();
    expectTypeOf(counter.ask("inc")).toEqualTypeOf<Promise<void>>();
    expectTypeOf(counter.ask("label", "x")).toEqualTypeOf<Promise<string>>();
    expectTypeOf(greeter.ask("greet", "ann")).toEqualTypeOf<Promise<string>>();
  });

  test("ReplyOf / MessageReply await the return type", () => {
    expectTypeOf<ReplyOf<Counter["slowGet"]>>().toEqualTypeOf<number>();
    expectTypeOf<MessageReply<Counter, "get">>().toEqualTypeOf<number>();
    expectTypeOf<ReplyOf<() => Promise<Promise<string>>>>().toEqualTypeOf<string>();
  });

  test("tell returns void and send a Promise<void>, whatever the handler returns", () => {
    expectTypeOf(counter.tell("get")).toEqualTypeOf<void>();
    expectTypeOf(counter.send("get")).toEqualTypeOf<Promise<void>>();
  });

  test("the reply is not assignable to an unrelated type", async () => {
    // @ts-expect-error the reply is a number
    const s: string = await counter.ask("get");
    void s;
  });
});

describe("refs", () => {
  test("spawn infers ActorRef<Class> from a class and from a factory", () => {
    expectTypeOf(system.spawn(Counter)).toEqualTypeOf<ActorRef<Counter>>();
    expectTypeOf(system.spawn(() => new Greeter())).toEqualTypeOf<ActorRef<Greeter>>();
  });

  test("with() keeps the ref's actor type", () => {
    expectTypeOf(counter.with({ timeout: 100 })).toEqualTypeOf<ActorRef<Counter>>();
  });

  test("a typed ref can be passed where any ActorRef is expected", () => {
    expectTypeOf(counter).toExtend<ActorRef>();
    expectTypeOf(greeter).toExtend<ActorRef<Actor>>();
  });

  test("refs to actors with different protocols are not interchangeable", () => {
    expectTypeOf<ActorRef<Counter>>().not.toExtend<ActorRef<Greeter>>();
    expectTypeOf<ActorRef<Greeter>>().not.toExtend<ActorRef<Counter>>();
    // Same message name, different reply type.
    expectTypeOf<ActorRef<TextStore>>().not.toExtend<ActorRef<Counter>>();
    // An untyped ref (what lookup returns) does not silently become a typed one.
    expectTypeOf<ActorRef>().not.toExtend<ActorRef<Counter>>();
  });

  test("assigning a ref of one protocol to a variable of another is a compile error", () => {
    // @ts-expect-error Greeter's ref cannot stand in for Counter's
    const wrong: ActorRef<Counter> = greeter;
    void wrong;
  });
});
