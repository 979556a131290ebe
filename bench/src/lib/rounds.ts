import { type Summary, summarize } from './stats.js';

/**
 * Interleaved rounds: every variant runs once per round, so a noisy neighbour on the shared cores
 * slows all variants alike instead of one of them. Two orders:
 * - `rotate` (A B C, then B C A, …): each variant takes each position in turn;
 * - `mirror` (A B C, then C B A, …): neighbours in the list stay neighbours in every round and
 *   swap who goes first, so a ratio between neighbours compares runs seconds apart and a drift
 *   of the machine's speed within a pair of rounds cancels out (an ABBA design). The HTTP suite
 *   lists each row next to its baseline and uses this one: its runs last seconds each, and this
 *   machine's speed drifts over that span.
 */
export interface Variant {
  name: string;
  /** One measurement; higher or lower is better depending on the suite's unit. */
  measure(round: number): Promise<number>;
  /** Untimed run before round 0. */
  warmup?(): Promise<void>;
}

export type RoundOrder = 'rotate' | 'mirror';

/** The order of the variants' indices in `round`. */
export function roundOrder(count: number, round: number, order: RoundOrder = 'rotate'): number[] {
  const indices = Array.from({ length: count }, (_, i) => i);
  if (order === 'mirror') return round % 2 === 0 ? indices : indices.reverse();
  return indices.map((i) => (i + round) % count);
}

export async function interleave(
  variants: Variant[],
  rounds: number,
  onSample?: (variant: string, round: number, value: number) => void,
  order: RoundOrder = 'rotate',
): Promise<Map<string, Summary>> {
  for (const v of variants) await v.warmup?.();
  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const i of roundOrder(variants.length, round, order)) {
      const v = variants[i]!;
      const value = await v.measure(round);
      samples.get(v.name)!.push(value);
      onSample?.(v.name, round, value);
    }
  }
  return new Map([...samples].map(([name, s]) => [name, summarize(s)]));
}

/** A pseudo-random key order shared by every variant (uniform, deterministic). */
export function keyOrder(keys: number, length = 1 << 16, seed = 42): Uint32Array {
  const order = new Uint32Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    // xorshift32: cheap and good enough for a uniform spread of keys
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    order[i] = x % keys;
  }
  return order;
}

/**
 * Closed-loop throughput: `concurrency` callers each await one operation after another for
 * `durationMs`. Returns operations per second. The clock is read every 64 operations so the
 * loop itself costs next to nothing next to the fastest variant.
 */
export interface Throughput {
  opsPerSec: number;
  /** This process's CPU (user + system) per operation, µs: steadier than ops/s on a busy machine. */
  cpuUsPerOp: number;
  /** Latency percentiles of the timed operations, ms (only with `latency: true`). */
  p50Ms?: number;
  p99Ms?: number;
}

/** Latencies kept per run at most (a ring: the last ones win on a very long run). */
const MAX_LATENCIES = 1 << 21;

export async function throughput(
  op: (index: number) => Promise<unknown>,
  opts: { concurrency: number; durationMs: number; order: Uint32Array; latency?: boolean },
): Promise<Throughput> {
  const { order } = opts;
  const mask = order.length - 1;
  // Two clock reads per operation when latencies are asked for: every variant pays the same.
  const lat = opts.latency ? new Float64Array(MAX_LATENCIES) : null;
  let recorded = 0;
  let done = 0;
  let cursor = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const end = start + opts.durationMs;
  let stop = false;
  async function caller(): Promise<void> {
    let n = 0;
    while (!stop) {
      if (lat) {
        const t0 = performance.now();
        await op(order[cursor++ & mask]!);
        const t1 = performance.now();
        lat[recorded++ & (MAX_LATENCIES - 1)] = t1 - t0;
        if (t1 >= end) stop = true;
        n++;
        continue;
      }
      await op(order[cursor++ & mask]!);
      if ((++n & 63) === 0 && performance.now() >= end) stop = true;
    }
    done += n;
  }
  await Promise.all(Array.from({ length: opts.concurrency }, caller));
  const elapsed = performance.now() - start;
  const used = process.cpuUsage(cpu);
  const result: Throughput = {
    opsPerSec: done / (elapsed / 1000),
    cpuUsPerOp: (used.user + used.system) / done,
  };
  if (lat) {
    const sorted = lat.subarray(0, Math.min(recorded, MAX_LATENCIES)).sort();
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
    result.p50Ms = at(0.5);
    result.p99Ms = at(0.99);
  }
  return result;
}
