/**
 * A seeded pseudo-random number generator for tests that drive code with random choices:
 * the same seed gives the same sequence on every run and machine, so a failure replays
 * exactly. Put the seed in the test name (`it.each([7, 2024])("... (seed %i)")`).
 */

/** mulberry32: returns a function giving numbers in [0, 1), determined by `seed`. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
