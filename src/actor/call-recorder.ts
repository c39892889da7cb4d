/**
 * Turns a call expression into a message: `(self) => self.retry(3)` becomes
 * `{ method: "retry", args: [3] }`. The function runs once against a recording proxy, not
 * against the actor. This is how an actor names a message to itself with full type
 * checking inside its own class (a method *name* cannot be checked against the generic
 * `this` type there, and passing `this.retry` trips lint's unbound-method rule).
 */
import { InvalidOptionError } from "../errors.js";

export interface RecordedCall {
  readonly method: string;
  readonly args: unknown[];
}

const EXPECTED = "a function that calls one method of the actor, like (self) => self.retry(3)";

export function recordCall<Self>(option: string, message: (self: Self) => unknown): RecordedCall {
  if (typeof message !== "function") throw new InvalidOptionError(option, EXPECTED, message);
  let method: string | undefined;
  let args: unknown[] | undefined;
  const recorder = new Proxy(
    {},
    {
      get(_target, property) {
        if (typeof property !== "string" || method !== undefined)
          throw new InvalidOptionError(option, EXPECTED, message);
        method = property;
        return (...callArgs: unknown[]) => {
          args = callArgs;
        };
      },
    },
  );
  message(recorder as Self);
  if (method === undefined || args === undefined)
    throw new InvalidOptionError(option, EXPECTED, message);
  return { method, args };
}
