/**
 * Gates keep an actor busy for exactly as long as a test wants, without sleeping: an async
 * handler awaits `gate.wait`, and the test calls `gate.open()` when the handler may go on.
 * `gate()` makes one gate; `Gates` hands out one per job id, for actors whose handlers take
 * the id as an argument.
 *
 * A gate that has not been opened (or failed) yet is remembered. A test file whose tests
 * keep many handlers waiting calls `openAllGates()` in `afterEach`, before shutting its
 * system down, so that a test which fails half-way does not leave handlers waiting forever
 * on gates it never reached.
 *
 * ```ts
 * const busy = gate();
 * ref.tell("hold", busy.wait); // the handler runs `await wait`
 * // ...the actor is busy: check what queues up behind it...
 * busy.open();
 * ```
 */

/** A promise that a test settles by hand. */
export interface Gate {
  /** Resolves when the gate is opened, rejects when it is failed. */
  readonly wait: Promise<void>;
  /** Lets the handlers waiting on the gate go on. Opening an open gate does nothing. */
  open(): void;
  /** Makes the handlers waiting on the gate throw `error`. */
  fail(error: Error): void;
}

/** The gates made and not yet opened or failed. */
const shutGates = new Set<Gate>();

/** A new, shut gate. */
export function gate(): Gate {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const wait = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const made: Gate = {
    wait,
    open() {
      shutGates.delete(made);
      resolve();
    },
    fail(error) {
      shutGates.delete(made);
      reject(error);
    },
  };
  shutGates.add(made);
  return made;
}

/** One gate per job id, made the first time the id is asked for (by the test or the actor). */
export class Gates {
  readonly #gates = new Map<number, Gate>();

  get(id: number): Gate {
    let found = this.#gates.get(id);
    if (found === undefined) {
      found = gate();
      this.#gates.set(id, found);
    }
    return found;
  }

  open(id: number): void {
    this.get(id).open();
  }

  fail(id: number, error: Error): void {
    this.get(id).fail(error);
  }
}

/** Opens every gate still shut; for `afterEach`. */
export function openAllGates(): void {
  for (const shut of [...shutGates]) shut.open();
}
