/**
 * `track(promise)` follows a promise without awaiting it, so a test can check that it has
 * *not* settled yet (an ask still waiting in a full mailbox, a shutdown still draining),
 * and afterwards how it settled. It also handles the rejection, so a promise the test never
 * awaits cannot fail the run as an unhandled rejection.
 */

/** What `track` has seen of a promise so far. */
export interface Tracked<T> {
  readonly settled: boolean;
  /** The value it resolved with, once it has. */
  readonly value: T | undefined;
  /** The reason it rejected with, once it has. */
  readonly error: unknown;
}

/** Starts following `promise`; the returned state changes as the promise settles. */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const state: { settled: boolean; value: T | undefined; error: unknown } = {
    settled: false,
    value: undefined,
    error: undefined,
  };
  promise.then(
    (value) => {
      state.settled = true;
      state.value = value;
    },
    (error: unknown) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}
