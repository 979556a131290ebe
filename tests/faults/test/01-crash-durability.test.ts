/**
 * 1. Crash durability. The database role exactly as infra/redis/database.conf ships it (AOF
 * appendfsync everysec + RDB, noeviction); 10,000 product writes acknowledged by the API; the
 * master is killed with SIGKILL the moment the 10,000th acknowledgement arrives (more writes
 * still in flight); restarted from its data dir. Every acknowledged write must be there, and
 * the user-runnable consistency checker must find every index consistent with the products.
 */
import { generateProducts, type Product } from '@app/redis-core';
import { cleanupAll, type RedisServer, startRedis } from '@app/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { adminHeaders, type RunningApi, startApi } from '../src/api.js';
import { runConsistencyCli } from '../src/cli.js';
import { call, histogram, round } from '../src/http.js';
import { roleConfLines } from '../src/infra-conf.js';
import { recordResult } from '../src/results.js';

const ACKED_TARGET = 10_000;
const CONCURRENCY = 32;

const apis: RunningApi[] = [];
afterAll(async () => {
  await Promise.all(apis.map((a) => a.close()));
  await cleanupAll();
});

/**
 * Writes products through POST /api/db/add until `target` are acknowledged, then SIGKILLs the
 * server at once, with the other writes still in flight. Returns what was acknowledged.
 */
async function writeThenCrash(server: RedisServer, api: RunningApi, products: Product[], target: number) {
  const acked = new Map<string, Product>();
  const failedStatuses: number[] = [];
  let next = 0;
  let killing: Promise<void> | undefined;
  let inFlightAtKill = 0;
  let inFlight = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (!killing && next < products.length) {
        const product = products[next++] as Product;
        inFlight += 1;
        const answer = await call(api.base, 'POST', '/api/db/add', { body: product, headers: adminHeaders });
        inFlight -= 1;
        if (answer.status === 201 || answer.status === 200) {
          acked.set(product.id, (answer.body as { product: Product }).product);
          if (acked.size === target && !killing) {
            inFlightAtKill = inFlight;
            killing = server.kill();
          }
        } else failedStatuses.push(answer.status);
      }
    }),
  );
  await killing;
  return { acked, inFlightAtKill, failedStatuses, writeMs: performance.now() - started };
}

async function lostAfterRestart(server: RedisServer, acked: Map<string, Product>) {
  const client = server.client();
  const ids = [...acked.keys()];
  let lost = 0;
  let changed = 0;
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    const raws = await client.mget(chunk.map((id) => `db:product:${id}`));
    chunk.forEach((id, j) => {
      const raw = raws[j];
      if (raw == null) lost += 1;
      else if (JSON.stringify(JSON.parse(raw)) !== JSON.stringify(acked.get(id))) changed += 1;
    });
  }
  return { lost, changed };
}

describe('crash durability of the database role', () => {
  it('kill -9 after 10,000 acknowledged writes: 0 lost, every index consistent', async () => {
    // appendonly: @app/testing otherwise adds `--appendonly no --save ""` after the conf's lines.
    const server = await startRedis({ configLines: roleConfLines('database'), appendonly: true });
    const admin = server.client();
    const [, appendonly] = (await admin.config('GET', 'appendonly')) as string[];
    const [, appendfsync] = (await admin.config('GET', 'appendfsync')) as string[];
    const [, save] = (await admin.config('GET', 'save')) as string[];
    expect([appendonly, appendfsync, save]).toEqual(['yes', 'everysec', '3600 1 300 100 60 10000']);

    const api = await startApi({ REDIS_URL: server.url, RATE_LIMIT_PER_MINUTE: '0' });
    apis.push(api);
    const products = generateProducts(ACKED_TARGET + 2000, { seed: 2024 });
    const run = await writeThenCrash(server, api, products, ACKED_TARGET);
    // Writes answered between the signal and the process's death count as acknowledged too.
    expect(run.acked.size).toBeGreaterThanOrEqual(ACKED_TARGET);
    expect(server.isRunning()).toBe(false);

    const restartStarted = performance.now();
    await server.start();
    const restartMs = performance.now() - restartStarted;
    const { lost, changed } = await lostAfterRestart(server, run.acked);
    const stored = await server.client().scard('db:products');

    // The checker as a user runs it, against the restarted server.
    const cli = await runConsistencyCli({ REDIS_URL: server.url });
    const report = JSON.parse(cli.stdout) as { ok: boolean; products: number; problems: string[] };

    // The API answers again without being rebuilt, with the products it acknowledged.
    const sample = [...run.acked.keys()].slice(-5);
    const reads = await Promise.all(sample.map((id) => call(api.base, 'GET', `/api/db/product/${id}`)));

    recordResult('01-crash-durability', {
      fault: 'SIGKILL of the database-role master (AOF everysec + RDB) at the 10,000th acknowledged write',
      acknowledged: run.acked.size,
      in_flight_at_kill: run.inFlightAtKill,
      unacknowledged_statuses: histogram(run.failedStatuses.map((status) => ({ status }) as never)),
      writes_per_second: round(run.acked.size / (run.writeMs / 1000)),
      lost_acknowledged: lost,
      changed_acknowledged: changed,
      products_after_restart: stored,
      restart_ms: round(restartMs),
      consistency: {
        exit_code: cli.code,
        ok: report.ok,
        products: report.products,
        problems: report.problems.length,
      },
    });
    expect(lost).toBe(0);
    expect(changed).toBe(0);
    // Writes still in flight at the kill may or may not have landed; nothing else may exist.
    expect(stored).toBeGreaterThanOrEqual(run.acked.size);
    expect(stored).toBeLessThanOrEqual(ACKED_TARGET + run.inFlightAtKill);
    expect(cli.code, cli.stderr).toBe(0);
    expect(report).toMatchObject({ ok: true, problems: [] });
    expect(report.products).toBe(stored);
    expect(reads.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  }, 180_000);

  it('the checker fails on a broken index and names it (exit 1)', async () => {
    const server = await startRedis({ configLines: roleConfLines('database'), appendonly: true });
    const api = await startApi({ REDIS_URL: server.url, RATE_LIMIT_PER_MINUTE: '0' }, { seed: true });
    apis.push(api);
    const client = server.client();
    await client.zrem('db:products:by_price', 'prod2');
    await client.sadd('db:category:electronics', 'ghost');
    const cli = await runConsistencyCli({ REDIS_URL: server.url });
    const report = JSON.parse(cli.stdout) as { ok: boolean; problems: string[] };
    expect(cli.code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.problems.join('\n')).toMatch(/by_price is missing "prod2"/);
    expect(report.problems.join('\n')).toMatch(/"ghost"/);
    // Unreachable Redis: exit 2 with a message, no hang.
    await server.kill();
    const down = await runConsistencyCli({ REDIS_URL: server.url, REDIS_COMMAND_TIMEOUT_MS: '500' });
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/check-consistency: .*unavailable/i);
  }, 60_000);

  it('control: the same crash without AOF loses acknowledged writes (the check can fail)', async () => {
    const server = await startRedis({
      configLines: roleConfLines('database'),
      appendonly: true,
      args: ['--appendonly', 'no'],
    });
    const api = await startApi({ REDIS_URL: server.url, RATE_LIMIT_PER_MINUTE: '0' });
    apis.push(api);
    const run = await writeThenCrash(server, api, generateProducts(700, { seed: 7 }), 500);
    await server.start();
    const { lost } = await lostAfterRestart(server, run.acked);
    recordResult('01-crash-durability-control', {
      fault: 'same SIGKILL with appendonly no (RDB snapshots only)',
      acknowledged: run.acked.size,
      lost_acknowledged: lost,
    });
    expect(lost).toBeGreaterThan(0);
  }, 60_000);
});
