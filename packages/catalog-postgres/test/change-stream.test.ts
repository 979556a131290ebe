import { cleanupAll, type PostgresServer, startPostgres, waitUntil } from '@app/testing';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChangeApplier,
  type ChangeBatch,
  type ChangeStreamConsumer,
  createChangeStreamConsumer,
  createPool,
  runMigrations,
  slotStatus,
} from '../src/index.js';
import { parseLsn } from '../src/lsn.js';

afterAll(cleanupAll);

let server: PostgresServer;
let pool: pg.Pool;
const consumers: ChangeStreamConsumer[] = [];

beforeAll(async () => {
  server = await startPostgres();
  await runMigrations(server.url());
  pool = createPool(server.url());
});

afterAll(async () => {
  await pool?.end();
});

afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.stop()));
});

/** Records what it is given; `failing` makes apply throw, as an unreachable Redis would. */
function recordingApplier() {
  const batches: ChangeBatch[] = [];
  const state = { failing: false, attempts: 0, flushes: 0 };
  const applier: ChangeApplier = {
    async apply(batch) {
      state.attempts++;
      if (state.failing) throw new Error('redis down');
      batches.push(batch);
    },
    async flush() {
      state.attempts++;
      if (state.failing) throw new Error('redis down');
      state.flushes++;
    },
  };
  /** Last version seen per id (null = deleted), in application order. */
  const latest = () => {
    const map = new Map<string, number | null>();
    for (const b of batches) for (const c of b.changes) map.set(c.id, c.deleted ? null : c.version);
    return map;
  };
  const fenceOf = (id: string) => {
    let fence: number | null | undefined;
    for (const b of batches) for (const c of b.changes) if (c.id === id) fence = c.version;
    return fence;
  };
  return { applier, batches, state, latest, fenceOf };
}

function consumer(applier: ChangeApplier, slotName: string): ChangeStreamConsumer {
  const c = createChangeStreamConsumer({
    databaseUrl: server.url(),
    pool,
    applier,
    slotName,
    retryDelayMs: 200,
  });
  consumers.push(c);
  c.start();
  return c;
}

const versionOf = async (id: string) =>
  Number(
    (await pool.query('SELECT version FROM products WHERE id = $1', [id])).rows[0]?.version ?? Number.NaN,
  );

describe('change stream', () => {
  it('turns psql inserts, updates, deletes and truncates into batches, confirmed after apply', async () => {
    const rec = recordingApplier();
    const c = consumer(rec.applier, 'slot_basic');
    await waitUntil(() => c.state === 'streaming', 10_000, 'consumer never streamed');
    expect(c.stats().slotRecreations).toBe(1);
    expect(c.stats().namespaceFlushes).toBe(1);

    await server.psql(
      `INSERT INTO products (id, name, price, category) VALUES ('a', 'A', 1, 'home'), ('b', 'B', 2, 'home')`,
    );
    await server.psql(`UPDATE products SET price = 3 WHERE id = 'a'`);
    const vb = await versionOf('b');
    await server.psql(`DELETE FROM products WHERE id = 'b'`);
    const va = await versionOf('a');
    await waitUntil(() => rec.latest().get('b') === null, 5_000, 'delete not seen');
    expect(rec.latest().get('a')).toBe(va);
    // A delete fences every version the deleted row had.
    expect(rec.fenceOf('b')).toBe(vb + 1);

    await server.psql('TRUNCATE products');
    await waitUntil(() => rec.batches.some((b) => b.truncated), 5_000, 'truncate not seen');

    // The slot's confirmed position reached the last applied commit.
    const last = rec.batches[rec.batches.length - 1]!;
    await waitUntil(async () => {
      const s = await slotStatus(pool, 'slot_basic');
      return (
        s.confirmedFlushLsn !== null &&
        BigInt(`0x${s.confirmedFlushLsn.replace('/', '').padStart(16, '0')}`) > 0n
      );
    }, 5_000);
    expect(c.stats().commits).toBeGreaterThanOrEqual(4);
    expect(c.stats().latencyMs.p50).not.toBeNull();
    expect(last.endLsn).toBeGreaterThan(0n);
  });

  it('confirms nothing while the applier fails, and replays every change once it recovers', async () => {
    const rec = recordingApplier();
    const c = consumer(rec.applier, 'slot_outage');
    await waitUntil(() => c.state === 'streaming', 10_000);
    rec.state.failing = true;
    // The bound is read right after the first failed change commits. While idle the consumer may
    // confirm WAL that holds no change (the server's position in a keepalive: a checkpoint's or
    // the background writer's records), so the slot's position before the writes is no bound.
    let firstCommitBound = 0n;
    for (let i = 0; i < 20; i++) {
      await server.psql(
        `INSERT INTO products (id, name, price, category) VALUES ('o${i}', 'O', ${i}, 'home')`,
      );
      if (i === 0) {
        const { rows } = await pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
        firstCommitBound = parseLsn(rows[0]!.lsn);
      }
    }
    await waitUntil(() => rec.state.attempts > 2, 10_000, 'applier never retried');
    const confirmed = (await slotStatus(pool, 'slot_outage')).confirmedFlushLsn;
    expect(confirmed).not.toBeNull();
    // Confirming any failed change would move the slot past the first one's commit.
    expect(parseLsn(confirmed!) < firstCommitBound).toBe(true);
    rec.state.failing = false;
    await waitUntil(() => rec.latest().size >= 20, 10_000, 'changes lost after the outage');
    for (let i = 0; i < 20; i++) expect(rec.latest().get(`o${i}`)).toBe(await versionOf(`o${i}`));
  });

  it('changes made while no consumer runs are delivered when one starts again', async () => {
    const first = recordingApplier();
    const c1 = consumer(first.applier, 'slot_restart');
    await waitUntil(() => c1.state === 'streaming', 10_000);
    await c1.stop();
    await server.psql(`UPDATE products SET price = price + 1 WHERE id LIKE 'o%'`);
    const second = recordingApplier();
    const c2 = consumer(second.applier, 'slot_restart');
    await waitUntil(() => second.latest().size >= 20, 10_000, 'offline writes not replayed');
    // Same slot, already flushed for it: the second consumer does not flush again.
    expect(c2.stats().slotRecreations).toBe(0);
    expect(first.state.flushes).toBe(1);
    expect(second.state.flushes).toBe(0);
  });

  it('a second consumer stands by and takes over when the first stops', async () => {
    const a = recordingApplier();
    const b = recordingApplier();
    const ca = consumer(a.applier, 'slot_ha');
    await waitUntil(() => ca.state === 'streaming', 10_000);
    const cb = consumer(b.applier, 'slot_ha');
    await waitUntil(() => cb.state === 'standby', 10_000, 'second consumer did not stand by');
    await server.psql(`UPDATE products SET price = price + 1 WHERE id = 'o1'`);
    await waitUntil(() => a.latest().has('o1'), 5_000);
    expect(b.batches).toHaveLength(0);
    await ca.stop();
    await waitUntil(() => cb.state === 'streaming', 10_000, 'no takeover');
    await server.psql(`UPDATE products SET price = price + 1 WHERE id = 'o2'`);
    await waitUntil(() => b.latest().get('o2') !== undefined, 5_000);
    expect(b.latest().get('o2')).toBe(await versionOf('o2'));
  });

  it('a slot dropped under the consumer is recreated, with a new epoch (flush), and streaming goes on', async () => {
    const rec = recordingApplier();
    const c = consumer(rec.applier, 'slot_drop');
    await waitUntil(() => c.state === 'streaming', 10_000);
    await server.psql(
      `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'slot_drop' AND active`,
    );
    await waitUntil(async () => {
      try {
        await server.psql(`SELECT pg_drop_replication_slot('slot_drop')`);
        return true;
      } catch {
        return false;
      }
    }, 5_000);
    await waitUntil(
      () => c.stats().slotRecreations === 2 && c.state === 'streaming',
      10_000,
      'slot not recreated',
    );
    expect(c.stats().namespaceFlushes).toBe(2);
    expect(rec.state.flushes).toBe(2);
    await server.psql(`UPDATE products SET price = price + 1 WHERE id = 'o3'`);
    await waitUntil(() => rec.latest().has('o3'), 5_000);
  });

  it('survives a PostgreSQL restart and delivers what was committed around it', async () => {
    const rec = recordingApplier();
    const c = consumer(rec.applier, 'slot_pgrestart');
    await waitUntil(() => c.state === 'streaming', 10_000);
    await server.psql(`UPDATE products SET price = price + 1 WHERE id = 'o4'`);
    await server.kill();
    await server.start();
    await server.psql(`UPDATE products SET price = price + 1 WHERE id = 'o5'`);
    await waitUntil(() => rec.latest().has('o5'), 15_000, 'no stream after restart');
    expect(rec.latest().get('o4')).toBe(await versionOf('o4'));
    expect(rec.latest().get('o5')).toBe(await versionOf('o5'));
    expect(c.stats().slotRecreations).toBe(1);
  });
});
