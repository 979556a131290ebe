import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReplicationResponse } from '@app/api-types';
import { cleanupAll, type RedisServer, startTestRedis, type TestRedis, waitUntil } from '@app/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, buildTestApi, sleep, type TestApi } from './helpers.js';

/**
 * The issue's "done when": one master of a 3-master cluster is SIGKILLed while clients drive
 * reads and writes through the API. Its replica must be promoted; meanwhile the API answers
 * 503 (never 500); within 15 s every check is green again; and no catalog write the API
 * acknowledged is lost beyond what Redis documents for asynchronous replication (writes the
 * master acknowledged in the last moments before it died, which its replica had not received).
 * The killed master is the one holding the catalog's `{db}` slot, the worst case for writes.
 */

const NODE_TIMEOUT_MS = 1000;
const RECOVERY_BOUND_MS = 15_000;
const LOAD_BEFORE_KILL_MS = 2500;
const LOAD_AFTER_GREEN_MS = 2000;
const CLIENTS = 6;
/** Redis documents the loss window of a failover as the writes not yet replicated: on a link
 * with sub-millisecond lag that is the last instants; a write acknowledged longer ago must survive. */
const DOCUMENTED_LOSS_WINDOW_MS = 1000;

let redis: TestRedis;
let api: TestApi;
let server: Server;
let base: string;

beforeAll(async () => {
  redis = await startTestRedis({ kind: 'cluster', nodeTimeoutMs: NODE_TIMEOUT_MS });
  // The rate limiter is on (in Redis, on one shard among three): it must not turn a failover into 500s.
  api = await buildTestApi(redis, { RATE_LIMIT_PER_MINUTE: '1000000', REDIS_COMMAND_TIMEOUT_MS: '500' });
  server = api.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 90_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await api?.close();
  await cleanupAll();
});

interface Outcome {
  at: number;
  route: string;
  status: number;
  code?: string;
}

async function call(path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  try {
    const res = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text for the report
    }
    return { status: res.status, body };
  } catch {
    return { status: 0, body: null }; // no answer at all (timeout, reset): worse than any status
  }
}

const write = (id: string, price: number) =>
  call('/api/db/add', {
    method: 'POST',
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ id, name: `Failover item ${id}`, price, category: 'failover' }),
  });

/** The shard holding `key`: its master among the test cluster's nodes, found from the slot map. */
async function masterOf(key: string): Promise<RedisServer> {
  const client = redis.client();
  const slot = Number(await client.call('CLUSTER', 'KEYSLOT', key));
  const masters = await redis.masters();
  for (const master of masters) {
    const c = master.client();
    try {
      const ranges = (await c.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      const own = ranges.find(([from, to, [, port]]) => slot >= from && slot <= to && port === master.port);
      if (own) return master;
    } finally {
      c.disconnect();
    }
  }
  throw new Error(`no master serves slot ${slot}`);
}

/** Every user-visible check at once: what "green" means. */
async function allGreen(ids: string[]): Promise<boolean> {
  const ready = await call('/readyz');
  if (ready.status !== 200) return false;
  const repl = await call('/api/replication');
  const shards = (repl.body as ReplicationResponse | null)?.shards ?? [];
  if (repl.status !== 200 || shards.length !== 3 || !shards.every((s) => s.master.up)) return false;
  for (const id of ids) if ((await call(`/api/data/${id}`)).status !== 200) return false;
  const probeId = `green-${Date.now()}`;
  if ((await write(probeId, 1)).status !== 201) return false;
  return (await call(`/api/db/product/${probeId}`)).status === 200;
}

describe('one master of the cluster killed under load', () => {
  it('promotes its replica, answers 503 (never 500) meanwhile, is green within 15 s, loses no older write', async () => {
    const keys = api.services.keys;
    const catalogMaster = await masterOf(keys.products());
    const promotedCandidate = redis.cluster?.replicas ?? [];
    // Cache entries on every shard, so reads hit the dead shard and the live ones.
    const readIds = ['prod1', 'prod2', 'prod3'];

    const outcomes: Outcome[] = [];
    const acked: { id: string; at: number }[] = [];
    let stop = false;
    let seq = 0;
    const record = (route: string, r: { status: number; body: unknown }) =>
      outcomes.push({
        at: Date.now(),
        route,
        status: r.status,
        ...(r.status >= 400 ? { code: (r.body as { code?: string } | null)?.code ?? String(r.body) } : {}),
      });

    const client = async (n: number) => {
      while (!stop) {
        const i = seq++;
        if (i % 3 === 0) {
          const id = `fo-${n}-${i}`;
          const r = await write(id, i);
          record('POST /api/db/add', r);
          if (r.status === 201) acked.push({ id, at: Date.now() });
        } else if (i % 3 === 1) {
          const id = readIds[i % readIds.length] as string;
          record('GET /api/data/:id', await call(`/api/data/${id}`));
        } else {
          const last = acked.at(-1);
          const routes = [
            last ? `/api/db/product/${last.id}` : '/api/db/product/prod1',
            '/api/db/list?limit=5',
            '/api/stats',
            '/api/cache/keys?count=20',
            '/api/history',
            '/api/replication',
          ];
          const path = routes[i % routes.length] as string;
          record(`GET ${path.replace(/\/fo-[\w-]+$/, '/:id').replace(/\?.*$/, '')}`, await call(path));
        }
      }
    };
    const load = Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));

    // At least this long and 21 acknowledged writes (a loaded machine once acknowledged 17 in
    // the 2.5 s alone): the load is the machine's, what the writes go through is the code's.
    await sleep(LOAD_BEFORE_KILL_MS);
    await waitUntil(() => acked.length > 20, 30_000, 'fewer than 21 writes acknowledged before the kill');
    const killedAt = Date.now();
    await catalogMaster.kill();

    let greenAt: number | null = null;
    while (Date.now() - killedAt < RECOVERY_BOUND_MS + 5_000) {
      if (await allGreen(readIds)) {
        greenAt = Date.now();
        break;
      }
      await sleep(200);
    }
    await sleep(LOAD_AFTER_GREEN_MS);
    const green = greenAt;
    if (green !== null) {
      await waitUntil(
        () => acked.filter((a) => a.at > green).length > 5,
        20_000,
        'fewer than 6 writes once green',
      );
    }
    stop = true;
    await load;

    // What happened, by phase and status (printed so a run documents its own numbers).
    const phase = (o: Outcome) =>
      o.at < killedAt ? 'before' : greenAt !== null && o.at >= greenAt ? 'after' : 'switch';
    const table = new Map<string, number>();
    for (const o of outcomes) {
      const key = `${phase(o)} ${o.status}${o.code ? ` ${o.code}` : ''}`;
      table.set(key, (table.get(key) ?? 0) + 1);
    }

    // Every write the API acknowledged, read back from the (new) masters.
    const lost: { id: string; ackedBeforeKillMs: number }[] = [];
    const admin = redis.client();
    for (const { id, at } of acked) {
      if ((await admin.exists(keys.product(id))) === 0) lost.push({ id, ackedBeforeKillMs: killedAt - at });
    }
    const consistency = await api.services.catalog.checkConsistency();
    const newMaster = await masterOf(keys.products());

    console.info(
      JSON.stringify(
        {
          requests: outcomes.length,
          recoveryMs: greenAt === null ? null : greenAt - killedAt,
          byPhaseAndStatus: Object.fromEntries([...table.entries()].sort()),
          ackedWrites: acked.length,
          ackedBeforeKill: acked.filter((a) => a.at < killedAt).length,
          lostAckedWrites: lost.length,
          lost,
          killedMaster: catalogMaster.port,
          newCatalogMaster: newMaster.port,
          catalogConsistency: consistency.problems,
        },
        null,
        2,
      ),
    );

    // The replica took over the catalog's slots.
    expect(newMaster.port).not.toBe(catalogMaster.port);
    expect(promotedCandidate.map((r) => r.port)).toContain(newMaster.port);
    // Green again within the bound.
    expect(greenAt, 'never green again').not.toBeNull();
    expect((greenAt as number) - killedAt).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    // Never a 500 (or any 5xx but 503), never a request left without an answer.
    const bad = outcomes.filter((o) => o.status === 0 || (o.status >= 500 && o.status !== 503));
    expect(bad, JSON.stringify(bad.slice(0, 5))).toEqual([]);
    // 503 only during the switch; before the kill and once green, everything answered.
    const outsideSwitch = outcomes.filter((o) => o.status === 503 && phase(o) !== 'switch');
    expect(outsideSwitch, JSON.stringify(outsideSwitch.slice(0, 5))).toEqual([]);
    expect(outcomes.filter((o) => phase(o) === 'before' && o.status >= 400)).toEqual([]);
    // The load really ran on both sides of the kill.
    expect(acked.filter((a) => a.at < killedAt).length).toBeGreaterThan(20);
    expect(acked.filter((a) => a.at > (greenAt ?? Number.POSITIVE_INFINITY)).length).toBeGreaterThan(5);
    // Lost acknowledged writes: only inside Redis's documented window, and the indexes agree.
    expect(lost.filter((l) => l.ackedBeforeKillMs > DOCUMENTED_LOSS_WINDOW_MS)).toEqual([]);
    expect(consistency.problems).toEqual([]);

    // The old master, restarted, rejoins as a replica of the one that replaced it.
    await catalogMaster.start();
    await waitUntil(
      async () => {
        const body = (await call('/api/replication')).body as ReplicationResponse;
        const shard = body.shards?.find((s) => s.master.url.endsWith(`:${newMaster.port}`));
        return (
          shard?.replicas.some(
            (r) => r.url.endsWith(`:${catalogMaster.port}`) && r.up && r.link_status === 'up',
          ) === true
        );
      },
      20_000,
      'the restarted master never came back as a replica',
    );
  }, 120_000);
});
