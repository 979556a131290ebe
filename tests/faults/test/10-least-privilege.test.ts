/**
 * 10. Least privilege. A real Redis started from infra/redis/database.conf with infra's users.acl
 * (written by the infra helper; only the `default` user is swapped for an inspector login this
 * harness needs, every other user line is loaded as committed). The shipped API logs in as `app`,
 * the shipped worker process as `worker`. Measured: the commands and keys each user is refused,
 * the denials Redis logged (ACL LOG) while the apps did their normal work (must be 0), and the
 * API's admin routes without the token.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupAll, type RedisServer, startRedis, waitUntil } from '@app/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, adminHeaders, type RunningApi, startApi } from '../src/api.js';
import { type Answer, call, histogram } from '../src/http.js';
import { infraRedisDir, roleConfLines } from '../src/infra-conf.js';
import { recordResult } from '../src/results.js';
import { killWorkerProcesses, startWorkerProcess } from '../src/worker-process.js';

/** The demo passwords of infra/docker-compose.yml (users.acl stores their SHA-256). */
const PASSWORDS = { app: 'app-dev-password', worker: 'worker-dev-password' } as const;
const INSPECTOR_PASSWORD = 'faults-inspector-password';

let server: RedisServer;
let inspector: Redis;
const apis: RunningApi[] = [];
const clients: Redis[] = [];
const measured: Record<string, unknown> = {};

function login(user: 'app' | 'worker'): Redis {
  const client = new Redis({
    host: '127.0.0.1',
    port: server.port,
    username: user,
    password: PASSWORDS[user],
    maxRetriesPerRequest: 1,
  });
  client.on('error', () => {});
  clients.push(client);
  return client;
}
const url = (user: 'app' | 'worker') => `redis://${user}:${PASSWORDS[user]}@127.0.0.1:${server.port}`;

async function errorOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'OK';
  } catch (err) {
    return (err as Error).message;
  }
}

async function deniedSince(user: string): Promise<{ count: number; objects: string[] }> {
  const entries = (await inspector.call('ACL', 'LOG', '128')) as unknown[][];
  const mine = entries
    .map((e) => {
      const o: Record<string, unknown> = {};
      for (let i = 0; i + 1 < e.length; i += 2) o[String(e[i])] = e[i + 1];
      return o;
    })
    .filter((o) => o.username === user);
  return {
    count: mine.reduce((n, o) => n + Number(o.count ?? 1), 0),
    objects: mine.map((o) => `${o.reason}:${o.object}`),
  };
}

beforeAll(async () => {
  const committed = readFileSync(join(infraRedisDir, 'users.acl'), 'utf8');
  measured.committed_default_user = committed.split('\n').find((l) => l.startsWith('user default '));
  const aclCopy = join(process.env.TMPDIR ?? '/tmp', `faults-users-${process.pid}.acl`);
  writeFileSync(
    aclCopy,
    committed.replace(/^user default .*$/m, `user default on >${INSPECTOR_PASSWORD} ~* &* +@all`),
  );
  server = await startRedis({
    configLines: roleConfLines('database'),
    appendonly: true,
    password: INSPECTOR_PASSWORD,
    args: ['--aclfile', aclCopy],
  });
  inspector = server.client();
  expect((await inspector.call('ACL', 'USERS')) as string[]).toEqual(
    expect.arrayContaining(['app', 'worker', 'replication', 'sentinel', 'healthcheck']),
  );
});

afterAll(async () => {
  recordResult('10-least-privilege', measured);
  killWorkerProcesses();
  for (const a of apis) await a.close();
  for (const c of clients) c.disconnect();
  await cleanupAll();
});

describe('least privilege', () => {
  it('the committed users.acl turns the default user off', () => {
    expect(measured.committed_default_user).toBe('user default off');
  });

  it('app user: NOPERM on FLUSHALL, FLUSHDB, CONFIG, KEYS, ACL, SHUTDOWN, DEBUG', async () => {
    const app = login('app');
    await app.set('data:probe', '1');
    const refused: Record<string, string> = {
      FLUSHALL: await errorOf(() => app.call('FLUSHALL')),
      FLUSHDB: await errorOf(() => app.call('FLUSHDB')),
      'CONFIG GET': await errorOf(() => app.call('CONFIG', 'GET', 'maxmemory')),
      'CONFIG SET': await errorOf(() => app.call('CONFIG', 'SET', 'maxmemory', '1')),
      KEYS: await errorOf(() => app.call('KEYS', '*')),
      'ACL LIST': await errorOf(() => app.call('ACL', 'LIST')),
    };
    // Asked of the ACL itself: actually sending them would stop or crash the server if allowed.
    for (const command of [['SHUTDOWN'], ['DEBUG', 'SEGFAULT'], ['MONITOR'], ['SCRIPT', 'FLUSH']]) {
      refused[command.join(' ')] = String(await inspector.call('ACL', 'DRYRUN', 'app', ...command));
    }
    measured.app_refused = refused;
    for (const [command, answer] of Object.entries(refused))
      expect(answer, command).toMatch(/NOPERM|no permissions/);
    expect(await inspector.get('data:probe')).toBe('1'); // nothing was flushed
  });

  it('worker user: reads the catalog, writes only its prefixes', async () => {
    const worker = login('worker');
    const attempts: Record<string, string> = {
      'GET db:product:prod1': await errorOf(() => worker.get('db:product:prod1')),
      'SET data:w1': await errorOf(() => worker.set('data:w1', '{}', 'PX', 1000)),
      'SET lock:w1': await errorOf(() => worker.set('lock:w1', 't', 'PX', 1000)),
      'SET worker:w1': await errorOf(() => worker.set('worker:w1', '1', 'PX', 1000)),
      'SET db:product:x': await errorOf(() => worker.set('db:product:x', '{}')),
      'SADD db:products': await errorOf(() => worker.sadd('db:products', 'x')),
      'ZADD history:top': await errorOf(() => worker.zadd('history:top', 1, 'x')),
      'INCR ratelimit:x': await errorOf(() => worker.incr('ratelimit:x')),
      'GET other:key': await errorOf(() => worker.get('other:key')),
      'SET repl:probe:x': await errorOf(() => worker.set('repl:probe:x', '1')),
      FLUSHALL: await errorOf(() => worker.call('FLUSHALL')),
      KEYS: await errorOf(() => worker.call('KEYS', '*')),
    };
    measured.worker_attempts = attempts;
    const allowed = ['GET db:product:prod1', 'SET data:w1', 'SET lock:w1', 'SET worker:w1'];
    for (const [what, answer] of Object.entries(attempts)) {
      if (allowed.includes(what)) expect(answer, what).not.toMatch(/NOPERM/);
      else expect(answer, what).toMatch(/NOPERM/);
    }
  });

  it('the shipped API (as app) and worker process (as worker) do their work with 0 ACL denials', async () => {
    await inspector.call('ACL', 'LOG', 'RESET');
    const api = await startApi({ REDIS_URL: url('app'), RATE_LIMIT_PER_MINUTE: '1000' }, { seed: true });
    apis.push(api);
    const worker = await startWorkerProcess({ REDIS_URL: url('worker'), WORKER_HEARTBEAT_MS: '500' });
    const work: Answer[] = [];
    for (const [method, path, body] of [
      ['GET', '/api/data/prod1'],
      ['GET', '/api/data/prod1'],
      ['GET', '/api/data/missing-id'],
      ['POST', '/api/db/add', { id: 'acl-1', name: 'ACL Lamp', price: 12.5, category: 'home' }],
      ['PUT', '/api/db/product/acl-1', { price: 13 }],
      ['GET', '/api/db/search?q=lamp'],
      ['GET', '/api/db/products?category=home'],
      ['GET', '/api/stats'],
      ['GET', '/api/history'],
      ['GET', '/api/cache/keys?pattern=data:*'],
      ['POST', '/api/replication/probe'],
      ['GET', '/readyz'],
      ['DELETE', '/api/db/product/acl-1'],
    ] as [string, string, unknown?][]) {
      work.push(await call(api.base, method, path, { headers: adminHeaders, ...(body ? { body } : {}) }));
    }
    const job = await call(api.base, 'POST', '/api/jobs/warm-all', { headers: adminHeaders });
    const jobId = (job.body as { id: string }).id;
    await waitUntil(
      async () => {
        const jobs = (await call(api.base, 'GET', '/api/jobs')).body as {
          jobs: { id: string; state: string }[];
          worker: { alive: boolean };
        };
        return jobs.worker.alive && jobs.jobs.some((j) => j.id === jobId && j.state === 'completed');
      },
      30_000,
      `warm job never completed as the worker user:\n${worker.output.join('').slice(-2000)}`,
    );
    const warmed = await inspector.exists('data:prod1', 'data:prod2', 'data:prod3');
    const appDenied = await deniedSince('app');
    const workerDenied = await deniedSince('worker');
    measured.apps_under_acl = {
      api_statuses: histogram(work),
      warm_job: 'completed',
      entries_warmed: warmed,
      acl_denials_app: appDenied,
      acl_denials_worker: workerDenied,
    };
    expect(work.filter((a) => a.status >= 500)).toEqual([]);
    expect(work.map((a) => a.status)).toEqual([
      200, 200, 404, 201, 200, 200, 200, 200, 200, 200, 200, 200, 200,
    ]);
    expect(warmed).toBe(3);
    expect(appDenied.count).toBe(0);
    expect(workerDenied.count).toBe(0);
  }, 60_000);

  it('the API refuses every admin route without the right token (401), catalog untouched', async () => {
    const api = apis[0] as RunningApi;
    const before = await inspector.scard('db:products');
    const adminRoutes = api.app.routes.filter((r) => r.admin);
    const answers: Answer[] = [];
    for (const route of adminRoutes) {
      const path =
        route.path.replace(/:\w+/g, 'prod1') +
        (route.path.includes('cache/') ? '?key=data:prod1&prefix=data:' : '');
      const body = { id: 'intruder', name: 'x', price: 1, category: 'books', n: 5 };
      const attempts: Record<string, string>[] = [
        {},
        { Authorization: 'Bearer wrong' },
        { Authorization: `Bearer ${ADMIN_TOKEN}x` },
        { Authorization: ADMIN_TOKEN },
      ];
      for (const headers of attempts) {
        answers.push(await call(api.base, route.method, path, { headers, body }));
      }
    }
    // No token configured: admin routes are disabled, whatever the caller sends.
    const noToken = await startApi({ REDIS_URL: url('app'), RATE_LIMIT_PER_MINUTE: '0', ADMIN_TOKEN: '' });
    apis.push(noToken);
    const disabled = await call(noToken.base, 'POST', '/api/db/add', {
      headers: adminHeaders,
      body: { id: 'intruder', name: 'x', price: 1, category: 'books' },
    });
    const after = await inspector.scard('db:products');
    measured.admin_routes = {
      routes: adminRoutes.length,
      attempts: answers.length,
      statuses: histogram(answers),
      codes: [...new Set(answers.map((a) => (a.body as { code?: string }).code))],
      without_configured_token: [disabled.status, (disabled.body as { code?: string }).code],
      products_before_after: [before, after],
    };
    expect(adminRoutes.length).toBeGreaterThanOrEqual(10);
    expect(answers.every((a) => a.status === 401)).toBe(true);
    expect(answers.every((a) => (a.body as { code?: string }).code === 'E_UNAUTHORIZED')).toBe(true);
    expect([disabled.status, (disabled.body as { code?: string }).code]).toEqual([401, 'E_ADMIN_DISABLED']);
    expect(after).toBe(before);
    expect(await inspector.exists('db:product:intruder')).toBe(0);
  });
});
