/**
 * 24. The worker cut off from PostgreSQL in the middle of the change stream. The catalog lives
 * in PostgreSQL (CATALOG_STORE=postgres; a server of the test's own, reached by the hosts at
 * p1:5432), the cache in Redis on r1, the shipped worker process on w1 consuming the logical
 * replication stream. SQL writers keep updating products behind the API's back while readers
 * keep filling the cache through the API; w1 is cut off from p1 for 6 s, then healed.
 * Measured: whether every change committed during the cut reached the cache after the heal
 * (no entry left older than its row), and how long that took.
 */
import { createKeyspace, readWorkerStatus } from '@app/redis-core';
import {
  cleanupAll,
  createNetwork,
  netnsSupport,
  registerCleanup,
  startPostgres,
  waitUntil,
} from '@app/testing';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningApi, startApi } from '../src/api.js';
import { replicatedDatabaseLines } from '../src/database-guard.js';
import { startWorkerOnHost } from '../src/host-apps.js';
import { call, sleep } from '../src/http.js';
import { staleEntries } from '../src/postgres-stack.js';
import { recordResult } from '../src/results.js';

const CUT_MS = 6000;
const PRODUCTS = 40;
const support = await netnsSupport();
if (!support.ok) console.warn(`[faults] SKIPPED 24-partition-worker-postgres-cut-off: ${support.reason}`);

const keys = createKeyspace();
let api: RunningApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
  await cleanupAll();
});

describe.skipIf(!support.ok)('network partition: the worker cut off from PostgreSQL mid-stream', () => {
  it('after the heal every change committed during the cut is applied to the cache, none missed', async () => {
    const net = await createNetwork();
    const p1 = await net.addHost('p1');
    const r1 = await net.addHost('r1');
    const w1 = await net.addHost('w1');
    const postgres = await startPostgres();
    // The worker reaches PostgreSQL over p1's link; PostgreSQL itself listens on its unix socket.
    await p1.serveUnixSocket(5432, `${postgres.baseDir}/.s.PGSQL.${postgres.port}`);
    const redis = await r1.startRedis({
      role: 'standalone',
      configLines: replicatedDatabaseLines(),
      appendonly: true,
    });
    const redisTunnel = await r1.tunnel(6379);
    const common = { CATALOG_STORE: 'postgres', CACHE_TTL_SECONDS: '600', RATE_LIMIT_PER_MINUTE: '0' };
    // The API (in the test process, never cut off) fills the cache; only the worker invalidates.
    api = await startApi(
      { ...common, REDIS_URL: `redis://127.0.0.1:${redisTunnel.port}`, DATABASE_URL: postgres.url() },
      { seed: true }, // seeding also runs the store's migrations
    );
    const sql = new pg.Pool({ connectionString: postgres.url(), max: 4 });
    sql.on('error', () => {});
    registerCleanup(() => sql.end().catch(() => undefined));
    await waitUntil(async () => (await call(api!.base, 'GET', '/readyz')).status === 200, 30_000);
    await sql.query(
      `INSERT INTO products (id, name, price, category)
       SELECT 'q' || i, 'Product ' || i, i, 'cut' FROM generate_series(1, ${PRODUCTS}) i`,
    );
    const ids = Array.from({ length: PRODUCTS }, (_, i) => `q${i + 1}`);
    const worker = await startWorkerOnHost(w1, {
      ...common,
      REDIS_URL: redis.url,
      DATABASE_URL: `postgres://postgres@${p1.address}:5432/postgres`,
      WORKER_HEARTBEAT_MS: '500',
    });
    const streaming = async () =>
      (await readWorkerStatus(redis.client(), keys)).workers.some(
        (w) => w.changeStream?.state === 'streaming',
      );
    await waitUntil(streaming, 30_000).catch(() => {
      throw new Error(`the worker never streamed changes:\n${worker.output.join('').slice(-3000)}`);
    });

    let stop = false;
    registerCleanup(async () => {
      stop = true;
    });
    const updates: { id: string; at: number }[] = [];
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const id = ids[i % ids.length] as string;
        await sql.query('UPDATE products SET price = price + 1 WHERE id = $1', [id]).then(
          () => updates.push({ id, at: Date.now() }),
          () => {},
        );
        await sleep(40);
      }
    })();
    let reads = 0;
    const reader = (async () => {
      for (let i = 0; !stop; i++) {
        await call(api!.base, 'GET', `/api/data/${ids[(i * 7) % ids.length]}`);
        reads += 1;
        await sleep(5);
      }
    })();
    await sleep(2000);
    const cutAt = Date.now();
    await net.partition([w1], [p1]);
    await sleep(CUT_MS);
    // Entries filled before an update and not invalidated since: the cut is real.
    const staleBeforeHeal = (await staleEntries({ redis, sql } as Parameters<typeof staleEntries>[0])).length;
    await net.heal();
    const healedAt = Date.now();
    await sleep(1000);
    stop = true;
    await Promise.all([writer, reader]);
    const lastUpdateAt = Math.max(...updates.map((u) => u.at));
    const updatesDuringCut = updates.filter((u) => u.at >= cutAt && u.at <= healedAt).length;
    // The cache must come to hold nothing older than its row: every change reached it.
    const stack = { redis, sql } as Parameters<typeof staleEntries>[0];
    const staleAtHeal = (await staleEntries(stack)).length;
    let converged = true;
    await waitUntil(async () => (await staleEntries(stack)).length === 0, 30_000).catch(() => {
      converged = false;
    });
    const convergedAfterHealMs = Date.now() - healedAt;
    const staleLeft = await staleEntries(stack);
    const stillStreaming = await streaming();

    const figures = {
      cut_ms: healedAt - cutAt,
      updates_total: updates.length,
      updates_during_cut: updatesDuringCut,
      reads_through_api: reads,
      stale_entries_at_heal: staleBeforeHeal,
      stale_entries_1s_after_heal: staleAtHeal,
      converged,
      no_stale_entry_after_heal_ms: converged ? convergedAfterHealMs : null,
      stale_entries_left: staleLeft.length,
      worker_streaming_after: stillStreaming,
      worker_same_process: worker.isRunning(),
      last_update_before_check_ms: Date.now() - lastUpdateAt,
    };
    recordResult('24-partition-worker-postgres-cut-off', figures);

    expect(updatesDuringCut).toBeGreaterThan(20);
    // While cut off the worker applied nothing (the check can see a missed change)…
    expect(staleBeforeHeal).toBeGreaterThan(0);
    // …and after the heal every change reached the cache.
    expect(staleLeft).toEqual([]);
    expect(converged).toBe(true);
    expect(stillStreaming).toBe(true);
    expect(worker.isRunning()).toBe(true);
  }, 150_000);
});
