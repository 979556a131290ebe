/**
 * 12. PostgreSQL as the system of record. The catalog lives in PostgreSQL (CATALOG_STORE=postgres);
 * writes are made behind the API's back (psql, a pool of the test's own) and the cache must follow
 * through the worker's change-stream consumer. Faults: the worker SIGKILLed while writes go on,
 * PostgreSQL restarted, the slot dropped under the consumer, Redis down while changes arrive, and
 * a race of readers, SQL writers and warming. Every worker is the shipped process.
 */
import { createKeyspace, readWorkerStatus } from '@app/redis-core';
import { cleanupAll, waitUntil } from '@app/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminHeaders } from '../src/api.js';
import { call, sleep } from '../src/http.js';
import { type PostgresStack, staleEntries, startPostgresStack } from '../src/postgres-stack.js';
import { recordResult } from '../src/results.js';
import { killWorkerProcesses, type WorkerProcess } from '../src/worker-process.js';

const keys = createKeyspace();
let stack: PostgresStack;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  stack = await startPostgresStack({ appendonly: true });
  await stack.sql.query(
    `INSERT INTO products (id, name, price, category)
     SELECT 'p' || i, 'Product ' || i, i, CASE WHEN i % 2 = 0 THEN 'even' ELSE 'odd' END FROM generate_series(1, 60) i`,
  );
});

afterAll(async () => {
  killWorkerProcesses();
  await stack?.close();
  await cleanupAll();
});

/**
 * The change-stream status the current worker publishes in its heartbeat (what the API shows).
 * Only its own: a killed worker's last heartbeat stays readable until its TTL runs out, and its
 * counters (or its 'streaming') must not stand in for the new process's.
 */
async function streamStates(): Promise<
  { state: string; namespaceFlushes: number; slotRecreations: number }[]
> {
  const status = await readWorkerStatus(stack.redis.client(), keys);
  return status.workers.flatMap((w) => (w.changeStream && w.pid === worker?.pid ? [w.changeStream] : []));
}

async function freshWorker(): Promise<WorkerProcess> {
  killWorkerProcesses();
  worker = await stack.startWorker();
  await waitUntil(
    async () => (await streamStates()).some((s) => s.state === 'streaming'),
    20_000,
    'no streaming consumer',
  );
  return worker;
}

const data = (id: string) => call(stack.api.base, 'GET', `/api/data/${id}`);
const priceOf = async (id: string) => ((await data(id)).body as { data?: { price: number } }).data?.price;

async function fillCache(ids: string[]): Promise<void> {
  for (const id of ids) await data(id);
}

const allIds = Array.from({ length: 60 }, (_, i) => `p${i + 1}`);

/** Confirmed position of the consumer's slot. */
async function confirmedLsn(): Promise<string> {
  return stack.pg.psql(
    `SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'cache_invalidation'`,
  );
}

describe('the cache follows PostgreSQL writes made behind the API', () => {
  it('a psql UPDATE, then a DELETE, is what GET /api/data/:id answers within 1 s', async () => {
    await freshWorker();
    await data('p1');
    expect((await data('p1')).body).toMatchObject({ source: 'cache' });
    await stack.pg.psql(`UPDATE products SET price = 1234.5 WHERE id = 'p1'`);
    const updatedAt = Date.now();
    await waitUntil(async () => (await priceOf('p1')) === 1234.5, 1_000, 'UPDATE not seen within 1 s');
    const updateSeenMs = Date.now() - updatedAt;
    await stack.pg.psql(`DELETE FROM products WHERE id = 'p1'`);
    const deletedAt = Date.now();
    await waitUntil(async () => (await data('p1')).status === 404, 1_000, 'DELETE not seen within 1 s');
    const deleteSeenMs = Date.now() - deletedAt;
    await stack.pg.psql(
      `INSERT INTO products (id, name, price, category) VALUES ('p1', 'Product 1', 1, 'odd')`,
    );
    await waitUntil(
      async () => (await data('p1')).status === 200,
      1_000,
      'INSERT after a negative entry not seen',
    );
    recordResult('postgres-psql-visibility', { updateSeenMs, deleteSeenMs });
  });

  it('worker SIGKILLed while SQL writes go on: after its restart every write is applied', async () => {
    const doomed = await freshWorker();
    await fillCache(allIds);
    let writes = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        const id = allIds[writes % allIds.length]!;
        await stack.sql.query('UPDATE products SET price = price + 1 WHERE id = $1', [id]);
        writes++;
        await sleep(5);
      }
    })();
    await sleep(500);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    // Writes go on while no consumer runs, and readers refill entries from the table meanwhile.
    await sleep(1_000);
    await fillCache(allIds);
    writing = false;
    await writer;
    await freshWorker();
    await waitUntil(
      async () => (await staleEntries(stack)).length === 0,
      10_000,
      'stale entries after restart',
    );
    recordResult('postgres-worker-sigkill', { writes });
    expect(writes).toBeGreaterThan(50);
  });

  it('PostgreSQL restarted: the consumer reconnects and later writes still invalidate', async () => {
    await freshWorker();
    await fillCache(['p2']);
    await stack.pg.restart();
    await stack.pg.psql(`UPDATE products SET price = 777 WHERE id = 'p2'`);
    await waitUntil(async () => (await priceOf('p2')) === 777, 15_000, 'no invalidation after the restart');
  });

  it('slot dropped under the consumer: it is recreated, the cache namespace flushed, and writes invalidate', async () => {
    await freshWorker();
    await fillCache(allIds.slice(0, 10));
    const flushesBefore = Math.max(...(await streamStates()).map((s) => s.namespaceFlushes));
    await stack.pg.psql(
      `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'cache_invalidation' AND active`,
    );
    await waitUntil(async () => {
      try {
        await stack.pg.psql(`SELECT pg_drop_replication_slot('cache_invalidation')`);
        return true;
      } catch {
        return false;
      }
    }, 5_000);
    await waitUntil(
      async () =>
        (await streamStates()).some((s) => s.state === 'streaming' && s.namespaceFlushes > flushesBefore),
      15_000,
      'slot not recreated with a flush',
    );
    // The flush dropped every entry, so nothing missed between drop and recreation can be stale.
    await stack.pg.psql(`UPDATE products SET price = 4242 WHERE id = 'p3'`);
    await fillCache(['p3']);
    await waitUntil(async () => (await priceOf('p3')) === 4242, 2_000);
    expect(await staleEntries(stack)).toEqual([]);
  });

  it('Redis down while changes arrive: nothing is confirmed, nothing is lost', async () => {
    await freshWorker();
    await fillCache(allIds);
    await sleep(1_200); // AOF everysec: the entries are on disk before the crash
    await stack.redis.kill();
    const before = await confirmedLsn();
    for (const id of allIds.slice(0, 20)) {
      await stack.sql.query('UPDATE products SET price = price + 100 WHERE id = $1', [id]);
    }
    await sleep(1_500);
    expect(await confirmedLsn()).toBe(before);
    await stack.redis.start();
    // The entries came back from the AOF, stale: the replayed stream must drop them.
    await waitUntil(
      async () => (await staleEntries(stack)).length === 0,
      15_000,
      'stale entries after Redis came back',
    );
    expect(await confirmedLsn()).not.toBe(before);
  });

  it('8 readers + 3 SQL writers + warming for 10 s, then quiet: no entry differs from the table once the consumer drained', async () => {
    await freshWorker();
    const until = Date.now() + 10_000;
    let reads = 0;
    let writes = 0;
    let warms = 0;
    const readers = Array.from({ length: 8 }, async (_, r) => {
      for (let i = r; Date.now() < until; i += 8) {
        await data(allIds[i % allIds.length]!);
        reads++;
      }
    });
    const writers = Array.from({ length: 3 }, async (_, w) => {
      for (let i = w; Date.now() < until; i += 3) {
        const id = allIds[(i * 7) % allIds.length]!;
        if (i % 13 === 0) {
          await stack.sql.query('DELETE FROM products WHERE id = $1', [id]);
          await stack.sql.query(
            `INSERT INTO products (id, name, price, category) VALUES ($1, 'Back ' || $1, 1, 'odd') ON CONFLICT DO NOTHING`,
            [id],
          );
        } else {
          await stack.sql.query('UPDATE products SET price = price + 1, name = $2 WHERE id = $1', [
            id,
            `N${i}`,
          ]);
        }
        writes++;
      }
    });
    const warming = (async () => {
      while (Date.now() < until) {
        await call(stack.api.base, 'POST', '/api/jobs/warm-all', { headers: adminHeaders });
        warms++;
        await sleep(300);
      }
    })();
    await Promise.all([...readers, ...writers, warming]);
    // Once the writes stop, the consumer drains what it has not applied yet: how long that takes
    // is the machine's (it was a fixed 1 s); an entry that stays stale is the code's.
    const stoppedAt = Date.now();
    let stale = await staleEntries(stack);
    while (stale.length > 0 && Date.now() - stoppedAt < 15_000) {
      await sleep(200);
      stale = await staleEntries(stack);
    }
    recordResult('postgres-race', {
      reads,
      writes,
      warms,
      stale: stale.length,
      settle_ms: Date.now() - stoppedAt,
    });
    expect(stale).toEqual([]);
    expect(reads).toBeGreaterThan(100);
  }, 60_000);
});
