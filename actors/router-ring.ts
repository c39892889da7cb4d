/**
 * The hash ring behind consistent-hash routing: each routee owns `virtualNodes` points on a
 * 32-bit ring, and a key goes to the owner of the first point at or after the key's hash
 * (wrapping round). Adding or removing one routee only moves the keys whose nearest point
 * was that routee's, about 1/n of them, which is what lets a pool resize without
 * reshuffling every key. Lookups are a binary search over the sorted points.
 */

/** FNV-1a over UTF-16 code units, then murmur3's finaliser so near keys spread apart. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

interface Point {
  readonly hash: number;
  readonly node: string;
}

/** A consistent-hash ring of named nodes. Ties between equal hashes go to the smaller name. */
export class HashRing {
  readonly #virtualNodes: number;
  #points: Point[] = [];
  readonly #nodes = new Set<string>();

  constructor(virtualNodes: number) {
    this.#virtualNodes = virtualNodes;
  }

  get size(): number {
    return this.#nodes.size;
  }

  add(node: string): void {
    if (this.#nodes.has(node)) return;
    this.#nodes.add(node);
    for (let i = 0; i < this.#virtualNodes; i++)
      this.#points.push({ hash: hash32(`${node}#${i}`), node });
    this.#points.sort((a, b) => a.hash - b.hash || (a.node < b.node ? -1 : 1));
  }

  remove(node: string): void {
    if (!this.#nodes.delete(node)) return;
    this.#points = this.#points.filter((p) => p.node !== node);
  }

  /** The node owning `key`, or undefined when the ring is empty. */
  lookup(key: string): string | undefined {
    const points = this.#points;
    if (points.length === 0) return undefined;
    const h = hash32(key);
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((points[mid] as Point).hash < h) lo = mid + 1;
      else hi = mid;
    }
    return (points[lo === points.length ? 0 : lo] as Point).node;
  }
}
