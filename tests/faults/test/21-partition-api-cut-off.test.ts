/**
 * 21. The API cut off from Redis by the network (not a dead process: packets vanish, TCP stays
 * open, nothing answers). Redis (database role, database.conf) on host r1, the shipped API
 * process on host a1, clients reading and writing through it. The network between a1 and r1 is
 * cut for 6 s, then healed. Measured: what every client got during the cut and how fast, whether
 * the process stayed the same one, and how long after the heal reads and writes worked again.
 */
import { cleanupAll, createNetwork, netnsSupport, registerCleanup, waitUntil } from '@app/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { replicatedDatabaseLines } from '../src/database-guard.js';
import { startApiOnHost } from '../src/host-apps.js';
import { call, histogram, percentile, round, sleep } from '../src/http.js';
import { steadyLoad } from '../src/load.js';
import { recordResult } from '../src/results.js';

const CUT_MS = 6000;
const COMMAND_TIMEOUT_MS = 1000; // the shipped default (REDIS_COMMAND_TIMEOUT_MS)
const support = await netnsSupport();
if (!support.ok) console.warn(`[faults] SKIPPED 21-partition-api-cut-off: ${support.reason}`);

afterEach(async () => {
  await cleanupAll();
});

describe.skipIf(!support.ok)('network partition: the API cut off from Redis', () => {
  it('answers 503 within the command timeout while cut off, never hangs, recovers after the heal without a restart', async () => {
    const net = await createNetwork();
    const r1 = await net.addHost('r1');
    const a1 = await net.addHost('a1');
    const server = await r1.startRedis({
      role: 'standalone',
      configLines: replicatedDatabaseLines(),
      appendonly: true,
    });
    const api = await startApiOnHost(a1, { REDIS_URL: server.url, SEED_CATALOG: 'true' });
    await waitUntil(
      async () => (await call(api.base, 'GET', '/api/db/product/prod1')).status === 200,
      30_000,
    );

    const load = steadyLoad({
      base: api.base,
      writers: 1,
      readers: 2,
      readPaths: ['/api/data/prod1', '/api/db/product/prod2', '/api/db/list?limit=5', '/api/stats'],
      timeoutMs: 10_000,
      idPrefix: 'cut',
      pauseMs: 20,
    });
    registerCleanup(() => load.stop()); // a failing run leaves no client loop behind
    const health: { status: number; ms: number; path: string }[] = [];
    await sleep(2000);
    const cutAt = Date.now();
    await net.partition([a1], [r1]);
    // The cut lasts CUT_MS and until more than 10 calls went through it (a call waits out one or
    // two command timeouts, so 3 client loops make 12 to 14 in 6 s: a loaded machine makes fewer).
    const answeredInCut = () => load.log.filter((c) => c.startedAt >= cutAt + 50).length;
    const probeUntil = cutAt + CUT_MS;
    while (Date.now() < probeUntil - 300 || (answeredInCut() <= 10 && Date.now() < cutAt + 30_000)) {
      for (const path of ['/healthz', '/readyz']) {
        const a = await call(api.base, 'GET', path, { timeoutMs: 10_000 });
        health.push({ status: a.status, ms: a.ms, path });
      }
      await sleep(250);
    }
    await sleep(probeUntil - Date.now());
    await net.heal();
    const healedAt = Date.now();
    const okAfter = (kind: 'read' | 'write') =>
      load.log.find(
        (c) => c.kind === kind && c.startedAt >= healedAt && (c.status === 200 || c.status === 201),
      );
    await waitUntil(
      () => Boolean(okAfter('read') && okAfter('write')),
      30_000,
      'the API did not recover after the heal',
    );
    await sleep(1000);
    await load.stop();

    // Calls started once the cut was in place and answered before the heal.
    const during = load.log.filter((c) => c.startedAt >= cutAt + 50 && c.endedAt <= healedAt);
    const readBack = okAfter('read') as NonNullable<ReturnType<typeof okAfter>>;
    const writeBack = okAfter('write') as NonNullable<ReturnType<typeof okAfter>>;
    const figures = {
      cut_ms: healedAt - cutAt,
      command_timeout_ms: COMMAND_TIMEOUT_MS,
      calls: load.log.length,
      calls_during_cut: during.length,
      statuses_during_cut: histogram(during),
      codes_during_cut: [...new Set(during.map((c) => (c.body as { code?: string } | null)?.code ?? null))],
      max_latency_during_cut_ms: round(Math.max(...during.map((c) => c.ms))),
      p50_latency_during_cut_ms: round(
        percentile(
          during.map((c) => c.ms),
          50,
        ),
      ),
      max_latency_by_path_ms: Object.fromEntries(
        [...new Set(during.map((c) => c.path))].map((p) => [
          p,
          round(Math.max(...during.filter((c) => c.path === p).map((c) => c.ms))),
        ]),
      ),
      client_timeouts: load.log.filter((c) => c.status === 0).length,
      healthz_during_cut: countStatuses(health.filter((h) => h.path === '/healthz')),
      readyz_during_cut: countStatuses(health.filter((h) => h.path === '/readyz')),
      read_ok_after_heal_ms: readBack.endedAt - healedAt,
      write_ok_after_heal_ms: writeBack.endedAt - healedAt,
      same_process: api.isRunning(),
      statuses_total: histogram(load.log),
    };
    recordResult('21-partition-api-cut-off', figures);

    expect(during.length).toBeGreaterThan(10);
    expect(figures.client_timeouts).toBe(0);
    expect(during.every((c) => c.status === 503)).toBe(true);
    expect(during.every((c) => (c.body as { code?: string }).code === 'E_REDIS_UNAVAILABLE')).toBe(true);
    // One command timeout per Redis a request needs; a cache-aside read needs two (cache, origin).
    expect(figures.max_latency_during_cut_ms).toBeLessThan(2 * COMMAND_TIMEOUT_MS + 500);
    expect(health.filter((h) => h.path === '/healthz').every((h) => h.status === 200)).toBe(true);
    expect(health.filter((h) => h.path === '/readyz').every((h) => h.status === 503)).toBe(true);
    expect(api.isRunning()).toBe(true);
    expect(load.log.filter((c) => c.status >= 500 && c.status !== 503)).toEqual([]);
  }, 120_000);
});

function countStatuses(answers: { status: number }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) out[a.status] = (out[a.status] ?? 0) + 1;
  return out;
}
