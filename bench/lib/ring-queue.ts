/**
 * The bare queue baselines are measured with: a preallocated power-of-two ring of packed
 * slots, push at the tail and shift at the head with a mask, nothing else. It is what a
 * mailbox would be if it did no bookkeeping at all, so "troupe / baseline" is the share of
 * the physical limit that troupe reaches.
 */
export class RingQueue<T> {
  #items: (T | undefined)[];
  #mask: number;
  #head = 0;
  #length = 0;

  /** Room for `capacity` items (rounded up to a power of two) before it has to grow. */
  constructor(capacity: number) {
    let size = 2;
    while (size < capacity) size *= 2;
    this.#items = packed<T>(size);
    this.#mask = size - 1;
  }

  get length(): number {
    return this.#length;
  }

  push(item: T): void {
    if (this.#length > this.#mask) this.#grow();
    this.#items[(this.#head + this.#length) & this.#mask] = item;
    this.#length++;
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const head = this.#head;
    const item = this.#items[head];
    this.#items[head] = undefined;
    this.#head = (head + 1) & this.#mask;
    this.#length--;
    return item;
  }

  #grow(): void {
    const size = this.#items.length * 2;
    const items = packed<T>(size);
    for (let i = 0; i < this.#length; i++) items[i] = this.#items[(this.#head + i) & this.#mask];
    this.#items = items;
    this.#mask = size - 1;
    this.#head = 0;
  }
}

/** `length` undefined slots in V8's packed mode (`new Array(n)` is holey, or a dictionary). */
export function packed<T>(length: number): (T | undefined)[] {
  const items: (T | undefined)[] = [];
  for (let i = 0; i < length; i++) items.push(undefined);
  return items;
}
