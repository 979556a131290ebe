/** Order statistics for the report: medians with their spread, never a single sample. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function summarize(samples: number[]): Summary {
  return {
    median: quantile(samples, 0.5),
    min: Math.min(...samples),
    max: Math.max(...samples),
    samples,
  };
}

/** Nearest-rank percentile of latencies (what p99 means in the targets). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Per-round ratios a[i]/b[i]: both ran in the same round, so machine noise mostly cancels. */
export function roundRatios(a: number[], b: number[]): Summary {
  return summarize(a.map((x, i) => x / b[i]!));
}
