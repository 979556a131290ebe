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

/**
 * Warming: writing N products into the cache (data:<id>, JSON, TTL) from one process, against
 * what the server itself sustains for unpipelined SETs of the same size (redis-benchmark,
 * 50 clients, -P 1) and a hand-written pipelined ioredis loop (the client-side limit).
 */
export async function warmSuite(cfg: BenchConfig): Promise<SuiteResult> {
  const products = generateProducts(cfg.warmCount, { seed: 11 });
  const entries = products.map((p) => [p.id, p] as [string, typeof p]);
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
          await ours.cache.setMany(entries);
        }),
    },
    {
      name: 'rawPipeline',
      measure: () =>
        timedRate(async () => {
          for (let i = 0; i < entries.length; i += 500) {
            const p = raw.pipeline();
            for (const [id, value] of entries.slice(i, i + 500))
              p.set(`data:${id}`, JSON.stringify(value), 'PX', 3600_000);
            await p.exec();
          }
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
    redisBenchmark: `redis-benchmark SET -d ${meanBytes} -c 50 -P 1 (server limit, unpipelined)`,
    ours: 'ours cache.setMany (pipelined, jittered TTLs)',
    rawPipeline: 'raw ioredis pipeline of SET PX, batches of 500',
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
