/**
 * What a supervisor does with a failed child. A closed union: every switch over it is
 * exhaustive, so a new directive cannot be silently ignored.
 * - `resume`: keep the instance and its state, go on with the next message;
 * - `restart`: stop the instance's children and timers, create a new instance from the
 *   factory, keep the mailbox (the failing message is not retried);
 * - `stop`: stop the child for good;
 * - `escalate`: fail the supervisor itself with the same error, so its own supervisor decides.
 */
export const DIRECTIVES = ["resume", "restart", "stop", "escalate"] as const;
export type Directive = (typeof DIRECTIVES)[number];
