/**
 * The HTTP gateway: `POST /api/actors/<path>/tell/<method>` and `…/ask/<method>` with a JSON
 * array of arguments. Off unless the application configures a bearer token, and then it
 * reaches only what the application exposed (see exposure.ts). Every refusal happens before
 * anything is sent, in this order: token (401), exposure (403/404), body size (413), JSON
 * and argument checks (400), a live actor at the path (503). A call's own failure maps to a
 * status: ask timeout 504, a stopped actor or full mailbox 503, the handler's error 500 with
 * its code.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { ActorSystem } from "../system/actor-system.js";
import { cellOf } from "../actor/cell.js";
import {
  ActorStoppedError,
  AskAbortedError,
  AskTimeoutError,
  InvalidOptionError,
  MailboxFullError,
  MessageDroppedError,
  QueueTimeoutError,
  RunTimeoutError,
  ShutdownTimeoutError,
  SystemShutDownError,
  UnknownMessageError,
} from "../errors.js";
import { checkDuration, checkKnownKeys } from "../validation.js";
import { readArgs } from "./body.js";
import { Exposure, type MethodRule } from "./exposure.js";
import { HttpError, badRequest, notFound } from "./http-error.js";
import { errorJson, toJsonSafe } from "./json-safe.js";
import type { AskReplyBody, TellAcceptedBody } from "./protocol.js";

/** Enables the gateway. */
export interface GatewayOptions {
  /**
   * Callers send `Authorization: Bearer <token>`. At least 16 characters; generate it (e.g.
   * `crypto.randomBytes(24).toString("base64url")`) and keep it out of source control.
   */
  readonly token: string;
  /** The actors and methods callable through HTTP, each made by `expose(...)`. */
  readonly expose: readonly Exposure[];
  /**
   * How long an ask waits for its reply before answering 504.
   * @default the system's askTimeout
   */
  readonly askTimeout?: number;
}

export type Verb = "tell" | "ask";

/** What a call answers: a status and its JSON body. */
export interface GatewayAnswer {
  readonly status: number;
  readonly body: AskReplyBody | TellAcceptedBody;
}

type Callable = {
  tell(method: string, ...args: unknown[]): void;
  ask(method: string, ...args: unknown[]): Promise<unknown>;
};

export function checkGatewayOptions(options: unknown): asserts options is GatewayOptions {
  if (typeof options !== "object" || options === null || Array.isArray(options))
    throw new InvalidOptionError("gateway", "{ token, expose, askTimeout? }", options);
  checkKnownKeys("gateway", options, ["token", "expose", "askTimeout"]);
  const { token, expose, askTimeout } = options as Record<string, unknown>;
  if (typeof token !== "string" || token.length < 16 || /\s/.test(token))
    throw new InvalidOptionError(
      "gateway.token",
      "a string of at least 16 characters without spaces (generate one, e.g. randomBytes(24).toString('base64url'))",
      typeof token === "string" ? `${token.length} characters` : token,
    );
  if (!Array.isArray(expose) || !expose.every((e) => e instanceof Exposure))
    throw new InvalidOptionError("gateway.expose", "an array of expose(...) results", expose);
  checkDuration("gateway.askTimeout", askTimeout);
}

export class Gateway {
  readonly #system: ActorSystem;
  readonly #tokenDigest: Buffer;
  /** Path → method → rule. */
  readonly #exposed = new Map<string, Map<string, MethodRule>>();
  readonly #askTimeout: number | undefined;

  constructor(system: ActorSystem, options: GatewayOptions) {
    this.#system = system;
    this.#tokenDigest = digest(options.token);
    this.#askTimeout = options.askTimeout;
    for (const exposure of options.expose) {
      let methods = this.#exposed.get(exposure.path);
      if (methods === undefined)
        this.#exposed.set(exposure.path, (methods = new Map<string, MethodRule>()));
      for (const [method, rule] of exposure.methods) {
        if (methods.has(method))
          throw new InvalidOptionError(
            "gateway.expose",
            `each method of an actor exposed once (${exposure.path} "${method}" is exposed twice)`,
            method,
          );
        methods.set(method, rule);
      }
    }
  }

  /** Methods of the actor at `path` callable through the gateway. */
  exposedMethods(path: string): string[] {
    return [...(this.#exposed.get(path)?.keys() ?? [])];
  }

  /** Throws 401 unless the request carries the token. */
  authorize(request: IncomingMessage): void {
    const header = request.headers.authorization;
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    const given = match?.[1];
    if (given === undefined || !timingSafeEqual(digest(given), this.#tokenDigest))
      throw new HttpError(
        401,
        "ERR_HTTP_UNAUTHORIZED",
        header === undefined
          ? "This endpoint needs the gateway's token: send the header Authorization: Bearer <token>."
          : "The token is wrong or malformed: send Authorization: Bearer <token> with the token the application configured.",
        { "www-authenticate": 'Bearer realm="troupe"' },
      );
  }

  /** Runs one call whose route is already parsed; the request body is still unread. */
  async call(
    request: IncomingMessage,
    path: string,
    verb: Verb,
    method: string,
    bodyLimit: number,
    signal: AbortSignal,
  ): Promise<GatewayAnswer> {
    this.authorize(request);
    const rule = this.#rule(path, method);
    let args: readonly unknown[] = await readArgs(request, bodyLimit);
    const ref = this.#system.lookup(path);
    if (ref === undefined)
      throw new HttpError(
        503,
        "ERR_ACTOR_STOPPED",
        `No actor runs at ${path} now (it stopped or has not started yet); retry later.`,
        { "retry-after": "1" },
      );
    const handler = cellOf(ref, "ref").handlerOf(method);
    if (handler === undefined)
      throw notFound(
        `The actor at ${path} has no message "${method}"; check the exposed method names.`,
        "ERR_HTTP_UNKNOWN_METHOD",
      );
    args = checkArgs(path, method, rule, handler.length, args);
    const target = ref as unknown as Callable;
    try {
      if (verb === "tell") {
        target.tell(method, ...args);
        return { status: 202, body: { accepted: true } };
      }
      const timeout = this.#askTimeout;
      const view = ref.with(timeout === undefined ? { signal } : { timeout, signal });
      const reply = await (view as unknown as Callable).ask(method, ...args);
      return { status: 200, body: { reply: toJsonSafe(reply) } };
    } catch (error) {
      throw callError(error);
    }
  }

  /** The rule for `method` of the actor at `path`, or the 403/404 that refuses the call. */
  #rule(path: string, method: string): MethodRule {
    const methods = this.#exposed.get(path);
    const rule = methods?.get(method);
    if (rule !== undefined) return rule;
    const ref = this.#system.lookup(path);
    const exists = ref !== undefined && cellOf(ref, "ref").handlerOf(method) !== undefined;
    if (methods === undefined && ref === undefined)
      throw notFound(`There is no actor at ${path}.`, "ERR_HTTP_ACTOR_NOT_FOUND");
    if (methods === undefined)
      throw new HttpError(
        403,
        "ERR_HTTP_NOT_EXPOSED",
        `The actor at ${path} is not exposed to the gateway; the application must list it with expose(...).`,
      );
    if (!exists)
      throw notFound(
        `The actor at ${path} has no exposed message "${method}"; exposed: ${[...methods.keys()].join(", ")}.`,
        "ERR_HTTP_UNKNOWN_METHOD",
      );
    throw new HttpError(
      403,
      "ERR_HTTP_NOT_EXPOSED",
      `"${method}" of ${path} is not exposed to the gateway; exposed: ${[...methods.keys()].join(", ")}.`,
    );
  }
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

function checkArgs(
  path: string,
  method: string,
  rule: MethodRule,
  declared: number,
  args: readonly unknown[],
): readonly unknown[] {
  const spec = rule.args ?? declared;
  const [min, max] = typeof spec === "number" ? [spec, spec] : spec;
  if (args.length < min || args.length > max) {
    const wanted =
      min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw badRequest(
      `"${method}" of ${path} takes ${wanted} argument${(max === Infinity ? min : max) === 1 ? "" : "s"}; got ${args.length}. Send them as a JSON array.`,
      "ERR_HTTP_ARGUMENT_COUNT",
    );
  }
  if (rule.parse === undefined) return args;
  try {
    const parsed = rule.parse(args);
    if (!Array.isArray(parsed))
      throw new TypeError(`parse must return an array of arguments; it returned ${typeof parsed}`);
    return parsed;
  } catch (error) {
    throw badRequest(
      `The arguments of "${method}" were refused: ${error instanceof Error ? error.message : String(error)}`,
      "ERR_HTTP_INVALID_ARGUMENTS",
    );
  }
}

/** The status for a call that failed once sent. */
function callError(error: unknown): HttpError {
  const json = errorJson(error);
  const code = json.code ?? "ERR_HTTP_HANDLER_FAILED";
  if (
    error instanceof AskTimeoutError ||
    error instanceof QueueTimeoutError ||
    error instanceof RunTimeoutError
  )
    return new HttpError(504, code, json.message);
  if (
    error instanceof ActorStoppedError ||
    error instanceof SystemShutDownError ||
    error instanceof ShutdownTimeoutError ||
    error instanceof MailboxFullError ||
    error instanceof MessageDroppedError
  )
    return new HttpError(503, code, json.message, { "retry-after": "1" });
  // The client went away: nobody reads the answer, but answer consistently.
  if (error instanceof AskAbortedError) return new HttpError(499, code, json.message);
  if (error instanceof UnknownMessageError)
    return notFound(json.message, "ERR_HTTP_UNKNOWN_METHOD");
  return new HttpError(500, code, json.message, {}, json.name);
}
