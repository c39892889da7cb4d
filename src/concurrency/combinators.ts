/**
 * Running several pieces of work at once and combining their results, after asyncio's
 * `gather`, `wait` and `as_completed`, with cancellation that actually reaches the work.
 *
 * Each combinator takes an array of items. An item is either a promise (work that is already
 * running, which nothing here can stop) or a function `(signal) => value or promise` (work
 * the combinator starts, synchronously and in input order, and can abort through the signal
 * it passes). Give functions wherever the work should stop when its result is no longer
 * wanted: `gather` aborts the rest when one fails, `firstCompleted` aborts the losers,
 * `asCompleted` aborts what is left when the loop ends early. Results are typed per
 * position: `gather([p1, p2])` resolves to `[A, B]`.
 *
 * The rules shared by every combinator:
 * - A function that throws synchronously counts as a rejection of its item.
 * - Work aborted because its result is no longer wanted gets a signal whose reason is the
 *   error the combinator rejects with (`gather`: the first rejection; outer signal: the
 *   `OperationAbortedError`), or a `DOMException` named "AbortError" saying why when the
 *   combinator succeeds (`firstCompleted` losers, `asCompleted` left early).
 * - `options.signal` aborts the combinator: it rejects with
 *   `OperationAbortedError(<name>)` whose `cause` is the signal's reason, and aborts the
 *   functions' signals with that error. A signal aborted before the call starts nothing.
 * - Late results and rejections of abandoned items are ignored and never surface as
 *   unhandled rejections. The listener on `options.signal` (and the timer of `wait`) are
 *   removed on every exit.
 * - Invalid arguments reject with `InvalidOptionError` (`asCompleted`, which returns an
 *   iterator rather than a promise, throws it) before any work starts.
 */
import { AllFailedError, InvalidOptionError, OperationAbortedError } from "../errors.js";
import { systemClock, type Clock, type TimerHandle } from "../time/clock.js";
import {
  checkDuration,
  checkKnownKeys,
  checkObject,
  checkOneOf,
  checkSignal,
  checkClock,
} from "../validation.js";

/** Work a combinator starts: it receives a signal that aborts when its result is not wanted. */
export type Work<T> = (signal: AbortSignal) => PromiseLike<T> | T;

/** An item of a combinator: a running promise, or work to start. */
export type Awaitable<T> = PromiseLike<T> | Work<T>;

/** The value an item produces: what its promise, or the promise its function returns, resolves to. */
export type ResultOf<A> = A extends (signal: AbortSignal) => infer R ? Awaited<R> : Awaited<A>;

/** The values of a tuple of items, position by position: `[Promise<A>, Work<B>]` → `[A, B]`. */
export type ResultsOf<T extends readonly unknown[]> = { -readonly [K in keyof T]: ResultOf<T[K]> };

/** How one item ended: `{ ok: true, value }` or `{ ok: false, error }`. */
export type Outcome<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** The outcomes of a tuple of items, position by position. */
export type OutcomesOf<T extends readonly unknown[]> = {
  -readonly [K in keyof T]: Outcome<ResultOf<T[K]>>;
};

/** A tuple key ("0", "1", …) as a number literal. */
type IndexOf<K> = K extends `${infer N extends number}` ? N : number;

/**
 * A value with the position of the item that produced it. For a tuple this is a union
 * discriminated by `index`, so `if (r.index === 0) r.value` has the first item's type.
 */
export type Indexed<T extends readonly unknown[]> = number extends T["length"]
  ? { readonly index: number; readonly value: ResultOf<T[number]> }
  : { [K in keyof T]: { readonly index: IndexOf<K>; readonly value: ResultOf<T[K]> } }[number];

/** An outcome with the position of its item; discriminated by `index` for a tuple. */
export type IndexedOutcome<T extends readonly unknown[]> = number extends T["length"]
  ? { readonly index: number } & Outcome<ResultOf<T[number]>>
  : { [K in keyof T]: { readonly index: IndexOf<K> } & Outcome<ResultOf<T[K]>> }[number];

export interface CombinatorOptions {
  /** Aborts the combinator and the work it started. */
  readonly signal?: AbortSignal;
}

/** An item `wait` returned before it settled. It keeps running. */
export interface Pending<T> {
  readonly index: number;
  /** Its result. Already handled: a rejection nobody awaits is dropped, not reported. */
  readonly promise: Promise<T>;
  /** Aborts its signal if it was given as a function; does nothing for a promise. */
  abort(reason?: unknown): void;
}

export interface WaitOptions {
  /**
   * The longest wait in ms (> 0, or Infinity). When it passes, `wait` resolves (it does not
   * reject) with what has settled by then.
   * @default Infinity
   */
  readonly timeout?: number;
  /**
   * When to return: "all" once every item has settled; "first" once any item has settled
   * (fulfilled or rejected); "first-error" once any item rejects, or all have settled.
   * @default "all"
   */
  readonly return?: "all" | "first" | "first-error";
  /** Where the timeout is measured; pass a `VirtualClock` in tests. @default systemClock */
  readonly clock?: Clock;
  /** Aborts the wait, and the items given as functions. */
  readonly signal?: AbortSignal;
}

export interface WaitResult<T extends readonly unknown[]> {
  /** The items that settled, in the order they settled. */
  readonly done: IndexedOutcome<T>[];
  /** The items still running, in input order; not aborted. */
  readonly pending: Pending<ResultOf<T[number]>>[];
}

/**
 * Runs every item and resolves with all their values, in input order, typed per position.
 *
 * When to use: independent pieces of work that are all needed (Promise.all with
 * cancellation). If one rejects, `gather` rejects with that error at once and aborts the
 * items given as functions that are still running (their signal's reason is that error).
 *
 * @example
 * const [user, orders] = await gather([(s) => loadUser(id, s), (s) => loadOrders(id, s)]);
 */
export async function gather<const T extends readonly Awaitable<unknown>[]>(
  items: T,
  options: CombinatorOptions = {},
): Promise<ResultsOf<T>> {
  checkItems("items", items, false);
  checkCombinatorOptions(options);
  return (await collect("gather", items, options.signal, true)) as ResultsOf<T>;
}

/**
 * Runs every item and resolves, once all have settled, with how each ended, in input
 * order: `{ ok: true, value }` or `{ ok: false, error }` (asyncio's `return_exceptions`).
 * It rejects only when `options.signal` aborts.
 *
 * @example
 * const [a, b] = await gatherSettled([fetchA(), fetchB()]);
 * if (a.ok) use(a.value); else log(a.error);
 */
export async function gatherSettled<const T extends readonly Awaitable<unknown>[]>(
  items: T,
  options: CombinatorOptions = {},
): Promise<OutcomesOf<T>> {
  checkItems("items", items, false);
  checkCombinatorOptions(options);
  return (await collect("gatherSettled", items, options.signal, false)) as OutcomesOf<T>;
}

/**
 * Starts every function and resolves with `{ index, value }` of the first to fulfil; the
 * others are aborted at once (reason: a `DOMException` "AbortError"). Rejections do not end
 * the race; if every function rejects, it rejects with `AllFailedError`, whose `errors` are
 * in input order.
 *
 * When to use: hedged requests and fallbacks — ask two replicas, keep the first answer.
 * Ties go to the item whose promise settled first (for already-settled promises, input
 * order). At least one function is required.
 *
 * @example
 * const { index, value } = await firstCompleted([(s) => primary(s), (s) => replica(s)]);
 */
export async function firstCompleted<const T extends readonly Work<unknown>[]>(
  thunks: T,
  options: CombinatorOptions = {},
): Promise<Indexed<T>> {
  checkItems("thunks", thunks, true);
  checkCombinatorOptions(options);
  const signal = options.signal;
  if (signal?.aborted === true) throw new OperationAbortedError("firstCompleted", signal.reason);
  return new Promise((resolve, reject) => {
    const runs = startAll(thunks);
    const errors: unknown[] = new Array<unknown>(runs.length);
    let failed = 0;
    let finished = false;
    const stopListening = onAbort(signal, (reason) =>
      fail(new OperationAbortedError("firstCompleted", reason)),
    );
    function fail(error: unknown): void {
      if (finished) return;
      finished = true;
      stopListening();
      abortRunning(runs, error);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on the work's own reason, whatever it is
      reject(error);
    }
    watch(runs, (index, outcome) => {
      if (finished) return;
      if (outcome.ok) {
        finished = true;
        stopListening();
        abortRunning(
          runs,
          new DOMException(`firstCompleted: item ${index} fulfilled first`, "AbortError"),
        );
        resolve({ index, value: outcome.value } as Indexed<T>);
      } else {
        errors[index] = outcome.error;
        if (++failed === runs.length) fail(new AllFailedError(errors));
      }
    });
  });
}

/**
 * Yields `{ index, value }` for each item in the order the items settle. A rejection is
 * thrown by `next()` at its turn (after the values that settled before it) and ends the
 * iteration: the functions still running are aborted with that error. Leaving a
 * `for await` loop early (`break`, `return`, a throw in the body) aborts them too (reason:
 * a `DOMException` "AbortError").
 *
 * The functions start when `asCompleted` is called, not at the first `next()`; results that
 * settle before anyone asks are queued. When `options.signal` aborts, the queued results are
 * dropped and the next `next()` rejects with `OperationAbortedError("asCompleted")`.
 *
 * @example
 * for await (const { index, value } of asCompleted(urls.map((u) => (s) => fetchText(u, s)))) {
 *   if (value.includes(needle)) break; // aborts the fetches still running
 * }
 */
export function asCompleted<const T extends readonly Awaitable<unknown>[]>(
  items: T,
  options: CombinatorOptions = {},
): AsyncIterableIterator<Indexed<T>, undefined> {
  checkItems("items", items, false);
  checkCombinatorOptions(options);
  return new CompletionIterator<Indexed<T>>(items, options.signal);
}

/**
 * Runs the items and waits until the condition in `options.return` holds or the timeout
 * passes, then resolves with `{ done, pending }`, like `asyncio.wait`: the items that
 * settled (in the order they settled, with their outcome) and those still running (in input
 * order). Pending items are not aborted: await `pending[i].promise` later, or call
 * `pending[i].abort()`. Only `options.signal` aborts them, and only while `wait` waits.
 *
 * @example
 * const { done, pending } = await wait(jobs, { return: "first-error", timeout: 5000 });
 * for (const job of pending) job.abort();
 */
export async function wait<const T extends readonly Awaitable<unknown>[]>(
  items: T,
  options: WaitOptions = {},
): Promise<WaitResult<T>> {
  checkItems("items", items, false);
  checkObject("options", options);
  checkKnownKeys("options", options, WAIT_KEYS);
  checkDuration("timeout", options.timeout, true);
  checkOneOf("return", options.return, RETURN_MODES);
  checkClock("clock", options.clock);
  checkSignal("signal", options.signal);
  const signal = options.signal;
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeout ?? Infinity;
  const mode = options.return ?? "all";
  if (signal?.aborted === true) throw new OperationAbortedError("wait", signal.reason);

  return new Promise((resolve, reject) => {
    const runs = startAll(items);
    const done: IndexedOutcome<T>[] = [];
    let finished = false;
    let timer: TimerHandle | undefined;
    const stopListening = onAbort(signal, (reason) => {
      if (!finish()) return;
      const error = new OperationAbortedError("wait", reason);
      abortRunning(runs, error);
      reject(error);
    });
    function finish(): boolean {
      if (finished) return false;
      finished = true;
      if (timer !== undefined) clock.clearTimer(timer);
      stopListening();
      return true;
    }
    function complete(): void {
      if (!finish()) return;
      const pending = runs
        .filter((run) => !run.settled)
        .map((run): Pending<ResultOf<T[number]>> => ({
          index: run.index,
          promise: run.promise as Promise<ResultOf<T[number]>>,
          abort: (reason?: unknown) => run.controller?.abort(reason),
        }));
      resolve({ done: [...done], pending });
    }
    if (runs.length === 0) {
      complete();
      return;
    }
    if (timeoutMs !== Infinity)
      timer = clock.setTimer(() => {
        timer = undefined; // fired: nothing left to clear
        complete();
      }, timeoutMs);
    watch(runs, (index, outcome) => {
      if (finished) return;
      done.push({ index, ...outcome } as IndexedOutcome<T>);
      if (done.length === runs.length || returnsOn(mode, outcome)) complete();
    });
  });
}

const WAIT_KEYS = ["timeout", "return", "clock", "signal"] as const;
const RETURN_MODES = ["all", "first", "first-error"] as const;

/** Whether `wait` in `mode` returns once an item has settled with `outcome`. */
function returnsOn(mode: (typeof RETURN_MODES)[number], outcome: Outcome<unknown>): boolean {
  switch (mode) {
    case "all":
      return false;
    case "first":
      return true;
    case "first-error":
      return !outcome.ok;
    default:
      return mode satisfies never;
  }
}

// ---------------------------------------------------------------- engine

/** One started item. */
class Run {
  settled = false;
  constructor(
    readonly index: number,
    readonly promise: Promise<unknown>,
    /** Present when the item was a function: aborts the signal it was given. */
    readonly controller: AbortController | null,
  ) {}
}

/** Starts the functions, in input order; promises are only wrapped. */
function startAll(items: readonly unknown[]): Run[] {
  return items.map((item, index) => {
    if (typeof item !== "function") return new Run(index, Promise.resolve(item), null);
    const controller = new AbortController();
    // Called inside the executor so that a synchronous throw becomes a rejection.
    const promise = new Promise<unknown>((resolve) =>
      resolve((item as Work<unknown>)(controller.signal)),
    );
    return new Run(index, promise, controller);
  });
}

/**
 * Calls `listener` once per run as it settles, after marking it settled. Also handles every
 * rejection, so an abandoned item can never become an unhandled rejection.
 */
function watch(
  runs: readonly Run[],
  listener: (index: number, outcome: Outcome<unknown>) => void,
): void {
  for (const run of runs) {
    run.promise.then(
      (value) => {
        run.settled = true;
        listener(run.index, { ok: true, value });
      },
      (error: unknown) => {
        run.settled = true;
        listener(run.index, { ok: false, error });
      },
    );
  }
}

/** Aborts the signals of the functions still running. */
function abortRunning(runs: readonly Run[], reason: unknown): void {
  for (const run of runs) if (!run.settled) run.controller?.abort(reason);
}

/** Listens for `signal` to abort; returns the function that stops listening. */
function onAbort(signal: AbortSignal | undefined, callback: (reason: unknown) => void): () => void {
  if (signal === undefined) return () => {};
  const listener = (): void => callback(signal.reason);
  signal.addEventListener("abort", listener, { once: true });
  return () => signal.removeEventListener("abort", listener);
}

/** The engine of `gather` (`failFast`: values, first rejection wins) and `gatherSettled`. */
function collect(
  operation: string,
  items: readonly unknown[],
  signal: AbortSignal | undefined,
  failFast: boolean,
): Promise<unknown[]> {
  if (signal?.aborted === true)
    return Promise.reject(new OperationAbortedError(operation, signal.reason));
  return new Promise((resolve, reject) => {
    const runs = startAll(items);
    const results: unknown[] = new Array<unknown>(runs.length);
    let left = runs.length;
    let finished = false;
    const stopListening = onAbort(signal, (reason) =>
      fail(new OperationAbortedError(operation, reason)),
    );
    function fail(error: unknown): void {
      if (finished) return;
      finished = true;
      stopListening();
      abortRunning(runs, error);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes on the work's own reason, whatever it is
      reject(error);
    }
    if (left === 0) {
      finished = true;
      stopListening();
      resolve(results);
      return;
    }
    watch(runs, (index, outcome) => {
      if (finished) return;
      if (!failFast) results[index] = outcome;
      else if (outcome.ok) results[index] = outcome.value;
      else return fail(outcome.error);
      if (--left === 0) {
        finished = true;
        stopListening();
        resolve(results);
      }
    });
  });
}

/** What `asCompleted` hands out, in turn. */
type Turn =
  | { readonly ok: true; readonly index: number; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown };

interface Waiter<R> {
  resolve(result: IteratorResult<R, undefined>): void;
  reject(error: unknown): void;
}

/** The iterator behind `asCompleted`: a queue of turns matched with a queue of `next()` calls. */
class CompletionIterator<R> implements AsyncIterableIterator<R, undefined> {
  readonly #runs: Run[];
  readonly #ready: Turn[] = [];
  readonly #waiters: Waiter<R>[] = [];
  readonly #stopListening: () => void;
  /** Turns received from the runs. */
  #received = 0;
  /** No more turns will be accepted: a rejection was handed out, the loop left, or abort. */
  #closed = false;

  constructor(items: readonly unknown[], signal: AbortSignal | undefined) {
    if (signal?.aborted === true) {
      this.#runs = [];
      this.#stopListening = () => {};
      this.#ready.push({
        ok: false,
        error: new OperationAbortedError("asCompleted", signal.reason),
      });
      this.#closed = true;
      return;
    }
    this.#runs = startAll(items);
    this.#stopListening = onAbort(signal, (reason) => {
      const error = new OperationAbortedError("asCompleted", reason);
      this.#ready.length = 0; // queued results are dropped: the caller asked to stop
      this.#ready.push({ ok: false, error });
      this.#close(error);
      this.#pump();
    });
    if (this.#runs.length === 0) this.#stopListening();
    watch(this.#runs, (index, outcome) => {
      if (this.#closed) return;
      if (++this.#received === this.#runs.length) this.#stopListening(); // nothing left to abort
      this.#ready.push(
        outcome.ok
          ? { ok: true, index, value: outcome.value }
          : { ok: false, error: outcome.error },
      );
      this.#pump();
    });
  }

  next(): Promise<IteratorResult<R, undefined>> {
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#pump();
    });
  }

  /** Called by `for await` when the loop is left early: aborts what still runs. */
  return(): Promise<IteratorResult<R, undefined>> {
    this.#ready.length = 0;
    this.#close(new DOMException("asCompleted: the loop was left early", "AbortError"));
    this.#pump();
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #close(reason: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopListening();
    abortRunning(this.#runs, reason);
  }

  /** Hands queued turns to waiting `next()` calls; ends the waiters once no turn can come. */
  #pump(): void {
    for (;;) {
      const waiter = this.#waiters[0];
      if (waiter === undefined) return;
      const turn = this.#ready.shift();
      if (turn === undefined) {
        if (!this.#closed && this.#received < this.#runs.length) return;
        this.#waiters.shift();
        waiter.resolve({ done: true, value: undefined });
        continue;
      }
      this.#waiters.shift();
      if (turn.ok) {
        waiter.resolve({ done: false, value: { index: turn.index, value: turn.value } as R });
      } else {
        this.#ready.length = 0;
        this.#close(turn.error);
        waiter.reject(turn.error);
      }
    }
  }
}

// ---------------------------------------------------------------- validation

const ITEMS_CONTRACT = "an array of promises or functions (signal) => value or promise";
const THUNKS_CONTRACT = "a non-empty array of functions (signal) => value or promise";

function checkItems(option: string, items: unknown, functionsOnly: boolean): void {
  const contract = functionsOnly ? THUNKS_CONTRACT : ITEMS_CONTRACT;
  if (!Array.isArray(items) || (functionsOnly && items.length === 0))
    throw new InvalidOptionError(option, contract, items);
  (items as unknown[]).forEach((item, i) => {
    if (typeof item === "function") return;
    if (!functionsOnly && isThenable(item)) return;
    throw new InvalidOptionError(
      `${option}[${i}]`,
      functionsOnly
        ? "a function (signal) => value or promise"
        : "a promise or a function (signal) => value or promise",
      item,
    );
  });
}

function isThenable(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function checkCombinatorOptions(options: unknown): asserts options is CombinatorOptions {
  checkObject("options", options);
  checkKnownKeys("options", options as object, ["signal"]);
  checkSignal("signal", (options as CombinatorOptions).signal);
}
