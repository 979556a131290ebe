/**
 * 8. Stampede, avalanche, penetration, and a fenced loader, against the shipped cache module.
 * - Stampede: 4 processes × 250 concurrent reads of a hot key at the moment it has expired,
 *   a 200 ms loader, 3 expiries in a row: loads per expiry, across all processes.
 * - Avalanche: 10,000 entries written together with the shipped TTL and jitter (60 s ± 10 %):
 *   how their expiries spread.
 * - Penetration: 10,000 reads of a missing id through the API: origin queries per negative TTL.
 * - Fencing: a loader paused past its lock's lifetime never overwrites the newer value.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createCache, createConnections, createKeyspace, loadConfig } from '@app/redis-core';
import { cleanupAll, type RedisServer, startRedis, waitUntil } from '@app/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from '../src/api.js';
import { faultsDir } from '../src/cli.js';
import { type Answer, call, histogram, pool, round, sleep } from '../src/http.js';
import { recordResult } from '../src/results.js';

let server: RedisServer;
const children: ChildProcess[] = [];
const closers: (() => Promise<void>)[] = [];
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const close of closers) await close();
  await cleanupAll();
});

function startReader(hotId: string, ttlSeconds: number) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/stampede-reader.ts', server.url, hotId, String(ttlSeconds)],
    {
      cwd: faultsDir,
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return {
    child,
    output: () => out,
    ready: () => waitUntil(() => out.includes('READY'), 30_000, `reader did not start: ${err}`),
    result(n: number) {
      const m = new RegExp(`DONE ${n} (.*)`).exec(out);
      return m
        ? (JSON.parse(m[1] as string) as {
            database: number;
            cache: number;
            errors: number;
            loadedBy: number[];
          })
        : null;
    },
  };
}

describe('stampede, avalanche, penetration', () => {
  it('stampede: 1,000 concurrent reads over 4 processes, 200 ms loader: 1 load per expiry', async () => {
    const hotId = 'hot-product';
    const readers = Array.from({ length: 4 }, () => startReader(hotId, 1));
    await Promise.all(readers.map((r) => r.ready()));
    const client = server.client();
    const rounds: Record<string, unknown>[] = [];
    for (let n = 1; n <= 3; n++) {
      // Wait for the hot key to expire, then every process reads it at once.
      await waitUntil(async () => (await client.pttl('data:hot-product')) === -2, 5_000);
      for (const r of readers) r.child.stdin?.write(`round ${n} 250\n`);
      await waitUntil(() => readers.every((r) => r.result(n) !== null), 20_000);
      const results = readers.map((r) => r.result(n)!);
      const loads = Number(await client.get(`faults:loads:${n}`));
      rounds.push({
        round: n,
        reads: results.reduce((a, r) => a + r.database + r.cache + r.errors, 0),
        loads,
        errors: results.reduce((a, r) => a + r.errors, 0),
        distinct_values_served: new Set(results.flatMap((r) => r.loadedBy)).size,
      });
    }
    for (const r of readers) r.child.stdin?.end();
    recordResult('08-stampede', {
      fault: 'hot key expired; 4 processes × 250 concurrent reads; 200 ms loader',
      rounds,
    });
    for (const r of rounds) {
      expect(r.reads).toBe(1000);
      expect(r.errors).toBe(0);
      expect(r.loads).toBe(1);
      expect(r.distinct_values_served).toBe(1);
    }
  }, 90_000);

  it('avalanche: 10,000 entries written together expire spread over the jitter window', async () => {
    const config = loadConfig({ REDIS_URL: server.url });
    const connections = createConnections(config.topology);
    closers.push(() => connections.close());
    const keys = createKeyspace();
    const spreadOf = async (jitter: number, prefix: string) => {
      const cache = createCache({
        connections,
        keys,
        ttlSeconds: config.cacheTtlSeconds,
        jitter,
        negativeTtlSeconds: 10,
        graceSeconds: 0,
      });
      const ids = Array.from({ length: 10_000 }, (_, i) => `${prefix}-${i}`);
      // Absolute expiry times (PEXPIRETIME), not remaining TTLs: a PTTL read drifts by however
      // long a loaded machine takes between the write and the read, and drift is not jitter.
      const writeStart = Date.now();
      await cache.setMany(ids.map((id) => [id, { id }]));
      const writeEnd = Date.now();
      const pipeline = connections.writer.pipeline();
      for (const id of ids) pipeline.call('pexpiretime', keys.cacheEntry(id));
      const expiries = ((await pipeline.exec()) ?? []).map(([, v]) => Number(v));
      const first = Math.min(...expiries);
      const last = Math.max(...expiries);
      const buckets = new Map<number, number>();
      for (const e of expiries) {
        const second = Math.floor((e - first) / 1000);
        buckets.set(second, (buckets.get(second) ?? 0) + 1);
      }
      return {
        entries: expiries.length,
        // TTLs as set: the longest possible for the shortest, the shortest possible for the longest.
        min_ttl_s: round((first - writeStart) / 1000, 2),
        max_ttl_s: round((last - writeEnd) / 1000, 2),
        write_ms: writeEnd - writeStart,
        seconds_with_expiries: buckets.size,
        most_in_one_second: Math.max(...buckets.values()),
      };
    };
    const jittered = await spreadOf(config.cacheTtlJitter, 'av');
    const control = await spreadOf(0, 'av0');
    recordResult('08-avalanche', {
      fault: '10,000 entries written in one setMany',
      ttl_seconds: config.cacheTtlSeconds,
      jitter: config.cacheTtlJitter,
      jittered,
      control_without_jitter: control,
    });
    const window = config.cacheTtlSeconds * config.cacheTtlJitter * 2; // 12 s
    expect(jittered.entries).toBe(10_000);
    expect(jittered.min_ttl_s).toBeGreaterThanOrEqual(
      config.cacheTtlSeconds * (1 - config.cacheTtlJitter) - 1,
    );
    expect(jittered.max_ttl_s).toBeLessThanOrEqual(config.cacheTtlSeconds * (1 + config.cacheTtlJitter));
    expect(jittered.max_ttl_s - jittered.min_ttl_s).toBeGreaterThanOrEqual(0.9 * window);
    // Uniform over 12 s would be ~833 a second; allow twice that in the busiest second.
    expect(jittered.most_in_one_second).toBeLessThanOrEqual((2 * 10_000) / window);
    expect(control.most_in_one_second).toBeGreaterThanOrEqual(9_000);
  }, 60_000);

  it('penetration: 10,000 reads of a missing id through the API: at most 1 origin query per negative TTL', async () => {
    let originQueries = 0;
    const api: RunningApi = await startApi(
      { REDIS_URL: server.url, RATE_LIMIT_PER_MINUTE: '0', CACHE_NEGATIVE_TTL_SECONDS: '1' },
      {
        wrap: (services) => ({
          catalog: {
            ...services.catalog,
            get: (id, opts) => {
              if (id === 'no-such-product') originQueries += 1;
              return services.catalog.get(id, opts);
            },
          },
        }),
      },
    );
    closers.push(() => api.close());
    const answers: Answer[] = [];
    const started = performance.now();
    await pool(10_000, 50, async () => {
      answers.push(await call(api.base, 'GET', '/api/data/no-such-product'));
    });
    const elapsedMs = performance.now() - started;
    const minNegativeTtlMs = 1000 * (1 - api.config.cacheTtlJitter);
    const windows = Math.ceil(elapsedMs / minNegativeTtlMs) + 1;
    recordResult('08-penetration', {
      fault: '10,000 reads of a missing id, 50 concurrent, negative TTL 1 s (± jitter)',
      reads: answers.length,
      statuses: histogram(answers),
      elapsed_ms: round(elapsedMs),
      origin_queries: originQueries,
      negative_ttl_windows_elapsed: windows,
    });
    expect(answers.length).toBe(10_000);
    expect(
      answers.every((a) => a.status === 404 && (a.body as { code?: string }).code === 'E_NOT_FOUND'),
    ).toBe(true);
    expect(originQueries).toBeGreaterThanOrEqual(1);
    expect(originQueries).toBeLessThanOrEqual(windows);
  }, 120_000);

  it('a loader paused past its lock lifetime never overwrites the newer value (20 of 20)', async () => {
    const connectionsA = createConnections({ kind: 'standalone', url: server.url });
    const connectionsB = createConnections({ kind: 'standalone', url: server.url });
    closers.push(
      () => connectionsA.close(),
      () => connectionsB.close(),
    );
    const keys = createKeyspace();
    const base = { keys, ttlSeconds: 60, jitter: 0, negativeTtlSeconds: 10, graceSeconds: 0, lockTtlMs: 300 };
    const slow = createCache({ ...base, connections: connectionsA });
    const fast = createCache({ ...base, connections: connectionsB });
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const id = `fenced-${i}`;
        const paused = slow.getOrLoad(id, async () => {
          await sleep(1000); // paused: the 300 ms lock expires meanwhile
          return { v: 'old' };
        });
        await sleep(450);
        const newer = await fast.getOrLoad(id, async () => ({ v: 'new' }));
        const pausedResult = await paused;
        const stored = await fast.peek<{ v: string }>(id);
        return { newerSource: newer.source, pausedTtl: pausedResult.ttlMs, stored: stored?.value?.v };
      }),
    );
    const overwritten = outcomes.filter((o) => o.stored !== 'new').length;
    recordResult('08-fenced-loader', {
      fault: 'loader paused 1,000 ms with a 300 ms lock; another process loads the newer value at 450 ms',
      attempts: outcomes.length,
      overwritten_by_the_paused_loader: overwritten,
      newer_value_loaded_by_second_process: outcomes.filter((o) => o.newerSource === 'database').length,
    });
    expect(outcomes.every((o) => o.newerSource === 'database')).toBe(true);
    expect(overwritten).toBe(0);
    // The paused loader's write was dropped (it reports no TTL: nothing of its own was cached).
    expect(outcomes.every((o) => o.pausedTtl === null)).toBe(true);
  }, 60_000);

  it('a write invalidating the entry while a load is running keeps the old value out (20 of 20)', async () => {
    const connections = createConnections({ kind: 'standalone', url: server.url });
    closers.push(() => connections.close());
    const keys = createKeyspace();
    const cache = createCache({
      connections,
      keys,
      ttlSeconds: 60,
      jitter: 0,
      negativeTtlSeconds: 10,
      graceSeconds: 0,
    });
    const origin = new Map<string, string>();
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const id = `raced-${i}`;
        origin.set(id, 'old');
        const loader = async () => {
          const value = origin.get(id); // read before the write…
          await sleep(300); // …stored after it
          return { v: value };
        };
        const loading = cache.getOrLoad(id, loader);
        await sleep(100);
        origin.set(id, 'new'); // the catalog write, then its invalidation (as the API does)
        await cache.invalidate(id);
        await loading;
        const next = await cache.getOrLoad(id, async () => ({ v: origin.get(id) }));
        return (next.value as { v: string }).v;
      }),
    );
    const stale = outcomes.filter((v) => v !== 'new').length;
    recordResult('08-invalidate-during-load', {
      fault: 'entry invalidated 100 ms into a 300 ms load that read the old value',
      attempts: outcomes.length,
      stale_values_cached: stale,
    });
    expect(stale).toBe(0);
  }, 30_000);
});
