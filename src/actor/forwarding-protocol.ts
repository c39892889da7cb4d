/**
 * The protocol of an actor that forwards its messages elsewhere (a thread-resident actor):
 * its message names are learned at start. Until then every name is accepted (messages wait
 * in the mailbox while the actor starts); once `define` has run, only the learned names are,
 * and an unknown one is answered with UnknownMessageError like on any actor.
 */
import { Protocol, type Handler } from "./protocol.js";

export class ForwardingProtocol extends Protocol {
  readonly #defined: Map<string, Handler>;
  readonly #forward: (method: string) => Handler;
  #open = true;

  constructor(forward: (method: string) => Handler) {
    const defined = new Map<string, Handler>();
    super(defined);
    this.#defined = defined;
    this.#forward = forward;
  }

  /** Fixes the message names (the forwarded object's methods). */
  define(methods: readonly string[]): void {
    for (const method of methods)
      if (!this.#defined.has(method)) this.#defined.set(method, this.#forward(method));
    this.#open = false;
  }

  override lookup(method: string): Handler | undefined {
    const handler = this.#defined.get(method);
    if (handler !== undefined || !this.#open) return handler;
    return this.#forward(method); // not started yet: accept, check when it is processed
  }
}
