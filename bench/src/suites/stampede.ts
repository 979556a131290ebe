import { startRedis } from '@app/testing';
import { startChild } from '../lib/child.js';
import type { BenchConfig } from '../lib/config.js';
import type { SuiteResult } from '../lib/report.js';
import { summarize } from '../lib/stats.js';

const LIBS = {
  ours: 'ours getOrLoad (single-flight + Redis lock)',
  bentocache: 'bentocache getOrSet (L2)',
  cacheManager: 'cache-manager wrap (@keyv/redis)',
} as const;

/**
 * Stampede: `n` concurrent reads of one missing key, split over 2 processes, with a 50 ms
 * loader. The figure is how many times the loader ran (1 is the goal).
 */
export async function stampedeSuite(cfg: BenchConfig): Promise<SuiteResult> {
  const server = await startRedis();
  const admin = server.client();
  const procs = [startChild('stampede.ts'), startChild('stampede.ts')];
  await Promise.all(procs.map((p) => p.request({ type: 'init', url: server.url })));
  const perProcess = Math.ceil(cfg.stampedeConcurrency / procs.length);
  const calls = new Map<string, number[]>(Object.keys(LIBS).map((k) => [k, []]));
  let incomplete = 0;

  for (let round = 0; round < cfg.rounds; round++) {
    const libs = Object.keys(LIBS);
    for (let i = 0; i < libs.length; i++) {
      const lib = libs[(i + round) % libs.length]!;
      const key = `stampede-${lib}-${round}`;
      await Promise.all(procs.map((p) => p.request({ type: 'arm', lib, key, n: perProcess, loaderMs: 50 })));
      const results = await Promise.all(procs.map((p) => p.request<{ ok: number }>({ type: 'go' })));
      incomplete += results.reduce((n, r) => n + (perProcess - r.ok), 0);
      calls.get(lib)!.push(Number(await admin.get(`loader-calls:${key}`)));
    }
  }
  await Promise.all(procs.map((p) => p.request({ type: 'close' }).catch(() => {})));
  await Promise.all(procs.map((p) => p.stop()));
  await server.destroy();

  return {
    id: 'stampede',
    title: `Stampede: ${perProcess * procs.length} concurrent misses of one key from ${procs.length} processes`,
    description: `${perProcess} callers per process start together; the loader takes 50 ms and counts its calls in Redis. ${cfg.rounds} rounds, a new key each.`,
    unit: 'loader calls',
    higherIsBetter: false,
    rows: Object.entries(LIBS).map(([id, name]) => {
      const s = summarize(calls.get(id)!);
      return { id, name, ...s, detail: `per round: ${s.samples.join(', ')}` };
    }),
    notes: [`callers that did not get the value: ${incomplete}`],
  };
}
