import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { generateProducts } from '@app/redis-core';
import { startRedis } from '@app/testing';
import { Redis } from 'ioredis';
import type { BenchConfig } from '../lib/config.js';
import { ourStack } from '../lib/ours.js';
import type { SuiteResult } from '../lib/report.js';
import { interleave, type Variant } from '../lib/rounds.js';
import { roundRatios } from '../lib/stats.js';

const exec = promisify(execFile);

export async function redisBenchmarkBin(): Promise<string | null> {
  const bin = process.env.REDIS_BENCHMARK_BIN ?? 'redis-benchmark';
  try {
    await exec(bin, ['--version']);
    return bin;
  } catch {
    return null;
  }
}

/** Batches in flight and entries per batch of the raw pipeline: the window setMany uses. */
export const RAW_WINDOW = 4;
export const RAW_BATCH = 500;

/**
 * Warming: writing N products into the cache (data:<id>, JSON, TTL) from one process with the
 * write the worker ships (setMany with the catalog versions it read: the fenced script), against
 * redis-benchmark's SETs of the same size (50 clients, -P 1: one command per round trip per
 * client, round-trip bound, not the server's limit) and a hand-written ioredis pipeline with
 * setMany's window (RAW_WINDOW batches of RAW_BATCH SET PX in flight).
 */
export async function warmSuite(cfg: BenchConfig): Promise<SuiteResult> {
  const products = generateProducts(cfg.warmCount, { seed: 11 });
  const entries = products.map((p) => [p.id, p] as [string, typeof p]);
  // Every product at catalog version 1 (a fresh seed): no fence is above it, every write lands.
  const versions = products.map(() => 1);
  const meanBytes = Math.round(products.reduce((n, p) => n + JSON.stringify(p).length, 0) / products.length);
  const server = await startRedis();
  const admin = server.client();
  const ours = ourStack(server.url, { ttlSeconds: 3600 });
  const raw = new Redis(server.url);
  const bin = await redisBenchmarkBin();

  const timedRate = async (work: () => Promise<void>) => {
    await admin.flushdb();
    const started = performance.now();
    await work();
    return cfg.warmCount / ((performance.now() - started) / 1000);
  };
  const variants: Variant[] = [
    {
      name: 'ours',
      measure: () =>
        timedRate(async () => {
          // As apps/worker/src/warm.ts: the versions read with the products, and when the read began.
          await ours.cache.setMany(entries, undefined, { versions, readAt: performance.now() });
        }),
    },
    {
      name: 'rawPipeline',
      measure: () =>
        timedRate(async () => {
          const inFlight: Promise<unknown>[] = [];
          for (let i = 0; i < entries.length; i += RAW_BATCH) {
            const p = raw.pipeline();
            for (const [id, value] of entries.slice(i, i + RAW_BATCH))
              p.set(`data:${id}`, JSON.stringify(value), 'PX', 3600_000);
            inFlight.push(p.exec());
            if (inFlight.length >= RAW_WINDOW) await inFlight.shift();
          }
          await Promise.all(inFlight);
        }),
    },
  ];
  if (bin) {
    variants.push({
      name: 'redisBenchmark',
      measure: async () => {
        await admin.flushdb();
        const args = ['-h', server.host, '-p', String(server.port), '-t', 'set', '-n', String(cfg.warmCount)];
        args.push('-r', String(cfg.warmCount), '-d', String(meanBytes), '-c', '50', '-P', '1', '--csv');
        const { stdout } = await exec(bin, args, { maxBuffer: 1 << 20 });
        const line = stdout.split('\n').find((l) => l.startsWith('"SET"'));
        const rps = Number(line?.split(',')[1]?.replace(/"/g, ''));
        if (!Number.isFinite(rps)) throw new Error(`cannot read redis-benchmark output:\n${stdout}`);
        return rps;
      },
    });
  }
  const results = await interleave(variants, cfg.rounds);
  const stored = await admin.dbsize();
  await ours.close();
  raw.disconnect();
  await server.destroy();

  const base = bin ? 'redisBenchmark' : 'rawPipeline';
  const names: Record<string, string> = {
    redisBenchmark: `redis-benchmark SET -d ${meanBytes} -c 50 -P 1 (unpipelined: one SET per round trip per client)`,
    ours: 'ours cache.setMany with versions (the fenced write the worker ships; jittered TTLs)',
    rawPipeline: `raw ioredis pipelines of SET PX, ${RAW_BATCH} per batch, ${RAW_WINDOW} batches in flight (setMany's window)`,
  };
  return {
    id: 'warm',
    title: `Warming ${cfg.warmCount.toLocaleString('en')} products`,
    description: `Products from the catalog generator (mean JSON ${meanBytes} bytes); each round starts from an empty database.`,
    unit: 'keys/s',
    higherIsBetter: true,
    baseline: base,
    rows: ['redisBenchmark', 'ours', 'rawPipeline']
      .filter((id) => results.has(id))
      .map((id) => ({
        id,
        name: names[id]!,
        ...results.get(id)!,
        vsBaseline: roundRatios(results.get(id)!.samples, results.get(base)!.samples),
      })),
    notes: [
      bin
        ? `redis-benchmark: ${bin}`
        : 'redis-benchmark is not installed: ratios are against the raw pipeline',
      `keys present after the last round: ${stored}`,
    ],
  };
}
