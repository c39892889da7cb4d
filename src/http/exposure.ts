/**
 * What the HTTP gateway may call. Nothing reaches an actor through HTTP unless the
 * application named both the actor and the method with `expose(...)`. An exposure names the
 * actor by ref (typed: method names and `parse` are checked against the class) or by path
 * (for actors started by a supervision tree, whose refs the application does not hold; the
 * path is looked up on each call, so a re-created actor at that path is reached).
 *
 * Arguments arrive as a JSON array and are checked before anything is sent: their count
 * against `args` (by default the handler's declared parameters, `Function.length`, which
 * does not count a parameter with a default value or a rest parameter, so declare `args`
 * for those), then by `parse`, which may validate types and return converted arguments.
 */
import { ActorRef } from "../actor/actor-ref.js";
import type { Actor } from "../actor/actor.js";
import type { MessageArgs, MessageName } from "../actor/protocol.js";
import { cellOf } from "../actor/cell.js";
import { InvalidOptionError } from "../errors.js";
import { checkKnownKeys } from "../validation.js";

/** How a method's arguments are checked. */
export interface MethodRule<Args extends readonly unknown[] = readonly unknown[]> {
  /**
   * How many arguments it takes: exactly `n`, or `[min, max]` (max may be Infinity).
   * @default the handler's `length` (parameters before the first default or rest one)
   */
  readonly args?: number | readonly [min: number, max: number];
  /**
   * Checks and converts the arguments; throw to answer 400 with the error's message.
   * Runs after the count check.
   */
  readonly parse?: (args: readonly unknown[]) => Args;
}

/** Methods of `A` to expose: a list of names, or name → `true` or a rule. */
export type ExposedMethods<A extends Actor> =
  | readonly MessageName<A>[]
  | { readonly [K in MessageName<A>]?: true | MethodRule<MessageArgs<A, K>> };

/** Methods of an actor known only by path. */
export type ExposedPathMethods = readonly string[] | Readonly<Record<string, true | MethodRule>>;

/** One actor and the methods the gateway may call on it; made by {@link expose}. */
export class Exposure {
  /** @internal */
  constructor(
    /** The actor's absolute path (`/user/...`). */
    readonly path: string,
    /** Method name → its rule. */
    readonly methods: ReadonlyMap<string, MethodRule>,
  ) {}
}

/**
 * Lets the gateway call `methods` of one actor:
 * `POST /api/actors/user/app/counter/ask/get` with a JSON array of arguments.
 *
 * @example
 * serve(system, {
 *   gateway: {
 *     token: process.env.TROUPE_TOKEN!,
 *     expose: [
 *       expose(counter, ["get"]),
 *       expose(counter, { add: { args: 1, parse: ([n]) => [Number(n)] as [number] } }),
 *       expose("app/store", ["size"]),
 *     ],
 *   },
 * });
 */
export function expose<A extends Actor>(actor: ActorRef<A>, methods: ExposedMethods<A>): Exposure;
export function expose(path: string, methods: ExposedPathMethods): Exposure;
export function expose(actor: ActorRef | string, methods: unknown): Exposure {
  let path: string;
  let has: ((method: string) => boolean) | null = null;
  if (actor instanceof ActorRef) {
    const cell = cellOf(actor, "expose(actor)");
    path = cell.path;
    has = (method) => cell.handlerOf(method) !== undefined;
  } else if (typeof actor === "string") {
    path = absolutePath(actor);
  } else {
    throw new InvalidOptionError("expose(actor)", "an ActorRef or an actor path string", actor);
  }
  const rules = new Map<string, MethodRule>();
  if (Array.isArray(methods)) {
    for (const method of methods as unknown[]) rules.set(checkMethodName(method), {});
  } else if (typeof methods === "object" && methods !== null) {
    for (const [method, rule] of Object.entries(methods)) {
      checkMethodName(method);
      rules.set(method, rule === true ? {} : checkRule(method, rule));
    }
  } else {
    throw new InvalidOptionError(
      "expose(methods)",
      "an array of method names or an object of method name → true | { args, parse }",
      methods,
    );
  }
  if (rules.size === 0)
    throw new InvalidOptionError("expose(methods)", "at least one method name", methods);
  if (has !== null)
    for (const method of rules.keys())
      if (!has(method))
        throw new InvalidOptionError(
          `expose(methods).${method}`,
          `a message of the actor at ${path}`,
          method,
        );
  return new Exposure(path, rules);
}

/** `app/db` and `/user/app/db` → `/user/app/db`. */
export function absolutePath(path: string): string {
  const segments = path.split("/").filter((s) => s.length > 0);
  if (path.startsWith("/")) {
    if (segments[0] !== "user" || segments.length < 2)
      throw new InvalidOptionError(
        "expose(actor)",
        'an actor path under /user (e.g. "/user/app/db" or "app/db")',
        path,
      );
    return `/${segments.join("/")}`;
  }
  if (segments.length === 0)
    throw new InvalidOptionError("expose(actor)", 'an actor path (e.g. "app/db")', path);
  return `/user/${segments.join("/")}`;
}

function checkMethodName(method: unknown): string {
  if (typeof method !== "string" || method.length === 0)
    throw new InvalidOptionError("expose(methods)", "method names (non-empty strings)", method);
  return method;
}

function checkRule(method: string, rule: unknown): MethodRule {
  const option = `expose(methods).${method}`;
  if (typeof rule !== "object" || rule === null || Array.isArray(rule))
    throw new InvalidOptionError(option, "true or { args?, parse? }", rule);
  checkKnownKeys(option, rule, ["args", "parse"]);
  const { args, parse } = rule as { args?: unknown; parse?: unknown };
  if (args !== undefined) {
    const [min, max] = Array.isArray(args) ? (args as unknown[]) : [args, args];
    const count = (n: unknown, infinite: boolean): boolean =>
      typeof n === "number" && n >= 0 && (Number.isInteger(n) || (infinite && n === Infinity));
    if (
      (Array.isArray(args) && args.length !== 2) ||
      !count(min, false) ||
      !count(max, true) ||
      (max as number) < (min as number)
    )
      throw new InvalidOptionError(
        `${option}.args`,
        "an integer ≥ 0, or [min, max] with 0 ≤ min ≤ max (max may be Infinity)",
        args,
      );
  }
  if (parse !== undefined && typeof parse !== "function")
    throw new InvalidOptionError(`${option}.parse`, "a function", parse);
  return rule;
}
