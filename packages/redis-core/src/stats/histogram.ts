/**
 * Fixed log-scale latency buckets (every √2 from 0.01 ms to ~60 s, then +Inf). Every process
 * uses the same bounds, so counts from all API instances add up in one Redis hash and the
 * percentiles are computed over all of them.
 */
export const LATENCY_BOUNDS_MS: readonly number[] = Array.from({ length: 46 }, (_, i) =>
  Number((0.01 * 2 ** (i / 2)).toPrecision(4)),
);
const OVERFLOW = LATENCY_BOUNDS_MS.length;
/** Buckets, the +Inf one included. */
export const BUCKET_COUNT = OVERFLOW + 1;
const FIELD_INDEX = new Map<string, number>([
  ...LATENCY_BOUNDS_MS.map((b, i) => [String(b), i] as [string, number]),
  ['+Inf', OVERFLOW],
]);

export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** Index of the first bucket whose upper bound is >= ms. */
export function bucketIndex(ms: number): number {
  let lo = 0;
  let hi = OVERFLOW;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ms <= LATENCY_BOUNDS_MS[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The hash field of a bucket: its upper bound in ms, readable in redis-cli. */
export function bucketField(index: number): string {
  return index >= OVERFLOW ? '+Inf' : String(LATENCY_BOUNDS_MS[index]);
}

/** Percentiles (ms) from a stored histogram, interpolated linearly inside a bucket. */
export function percentilesOf(hash: Record<string, string>): Percentiles {
  const counts = new Array<number>(OVERFLOW + 1).fill(0);
  let total = 0;
  for (const [field, raw] of Object.entries(hash)) {
    const index = FIELD_INDEX.get(field);
    const n = Number(raw);
    if (index === undefined || !(n > 0)) continue;
    counts[index]! += n;
    total += n;
  }
  const at = (q: number): number | null => {
    if (total === 0) return null;
    const rank = q * total;
    let before = 0;
    for (let i = 0; i <= OVERFLOW; i++) {
      const c = counts[i]!;
      if (c > 0 && before + c >= rank) {
        const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1]!;
        if (i === OVERFLOW) return lower;
        const upper = LATENCY_BOUNDS_MS[i]!;
        return Math.round((lower + ((upper - lower) * (rank - before)) / c) * 1000) / 1000;
      }
      before += c;
    }
    return null;
  };
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}
