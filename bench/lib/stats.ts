/**
 * Summary statistics for benchmark samples. Benchmarks on a noisy machine are reported as
 * medians (robust to the odd slow run) with the spread beside them, never as means.
 */

/** A value at quantile `q` (0..1) of `samples`, linearly interpolated; NaN when empty. */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 0.5);
}

export interface Summary {
  readonly samples: readonly number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly p25: number;
  readonly p75: number;
  /** (max - min) / |median|: how far apart the runs were, as a fraction of the median. */
  readonly spread: number;
}

export function summarize(samples: readonly number[]): Summary {
  const med = median(samples);
  const min = samples.length === 0 ? NaN : Math.min(...samples);
  const max = samples.length === 0 ? NaN : Math.max(...samples);
  return {
    samples: [...samples],
    median: med,
    min,
    max,
    p25: percentile(samples, 0.25),
    p75: percentile(samples, 0.75),
    spread: med === 0 ? NaN : (max - min) / Math.abs(med),
  };
}
