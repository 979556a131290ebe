import { cleanupAll, type RedisServer, startRedis } from '@app/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../src/errors.js';
import { createKeyspace } from '../src/keys/index.js';
import {
  checkQueueRedisPolicy,
  createJobProducer,
  defaultJobOptions,
  JOB,
  jobPayloadSchemas,
  newWorkerId,
  parseJobPayload,
  readCacheTtls,
  readWorkerStatus,
  recordWorkerResult,
  removeWorkerHeartbeat,
  writeWorkerHeartbeat,
} from '../src/queues/index.js';

let server: RedisServer;
const keys = createKeyspace();

beforeAll(async () => {
  server = await startRedis();
});
afterAll(cleanupAll);

describe('payload schemas', () => {
  it('accepts the documented payloads and normalises the category', () => {
    expect(parseJobPayload(JOB.warmAll, undefined)).toEqual({});
    expect(parseJobPayload(JOB.warmCategory, { category: ' Electronics ' })).toEqual({
      category: 'electronics',
    });
    expect(parseJobPayload(JOB.warmTop, { n: 10 })).toEqual({ n: 10 });
    expect(parseJobPayload(JOB.refresh, { limit: 50 })).toEqual({ limit: 50 });
    expect(Object.keys(jobPayloadSchemas).sort()).toEqual(Object.values(JOB).sort());
  });

  it.each([
    [JOB.warmCategory, {}],
    [JOB.warmCategory, { category: 'a*b' }],
    [JOB.warmTop, { n: 0 }],
    [JOB.warmTop, { n: '5' }],
    [JOB.warmAll, { extra: true }],
    [JOB.refresh, { thresholdRatio: 2 }],
  ] as const)('refuses %s %j with a ValidationError naming the field', (name, payload) => {
    const attempt = () => parseJobPayload(name, payload);
    expect(attempt).toThrow(ValidationError);
    try {
      attempt();
    } catch (err) {
      expect((err as ValidationError).code).toBe('E_VALIDATION');
      expect((err as ValidationError).status).toBe(400);
      expect((err as ValidationError).issues.length).toBeGreaterThan(0);
    }
  });
});

describe('job producer', () => {
  it('enqueues with bounded retention and exponential retries, lists and gets jobs', async () => {
    const producer = createJobProducer({
      connection: { host: '127.0.0.1', port: server.port },
      prefix: 'qtest',
    });
    try {
      const a = await producer.enqueue(JOB.warmTop, { n: 3 });
      const b = await producer.enqueue(JOB.warmCategory, { category: 'Books' });
      expect(a).toMatchObject({ name: 'warm-top', state: 'waiting', data: { n: 3 } });
      expect(b.data).toEqual({ category: 'books' });

      const job = await producer.queue.getJob(a.id);
      expect(job?.opts.attempts).toBe(defaultJobOptions.attempts);
      expect(job?.opts.backoff).toEqual({ type: 'exponential', delay: 1000 });
      expect(job?.opts.removeOnComplete).toEqual({ count: 200, age: 86_400 });
      expect(job?.opts.removeOnFail).toMatchObject({ count: 500 });

      const listed = await producer.list(10);
      expect(listed.map((j) => j.id).sort()).toEqual([a.id, b.id].sort());
      expect(listed.every((j) => j.state === 'waiting')).toBe(true);
      expect((await producer.get(b.id))?.state).toBe('waiting');
      expect(await producer.get('does-not-exist')).toBeNull();
      expect((await producer.counts()).waiting).toBe(2);

      await expect(producer.enqueue(JOB.warmTop, { n: -1 })).rejects.toBeInstanceOf(ValidationError);
      await expect(producer.enqueue('nope' as never, {})).rejects.toBeInstanceOf(ValidationError);
      expect((await producer.counts()).waiting).toBe(2);
    } finally {
      await producer.queue.obliterate({ force: true });
      await producer.close();
    }
  });
});

describe('queue Redis policy', () => {
  it('is ok under noeviction and warns under an evicting policy', async () => {
    const client = server.client();
    expect(await checkQueueRedisPolicy(client)).toEqual({ ok: true, policy: 'noeviction' });
    await client.config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      const check = await checkQueueRedisPolicy(client);
      expect(check.ok).toBe(false);
      expect(check.policy).toBe('allkeys-lru');
      expect(check.warning).toMatch(/allkeys-lru.*noeviction/);
    } finally {
      await client.config('SET', 'maxmemory-policy', 'noeviction');
    }
  });
});

describe('worker status', () => {
  it('is alive while beats arrive, dead once they stop, and keeps last results per job', async () => {
    const client = server.client();
    expect(await readWorkerStatus(client, keys)).toEqual({
      alive: false,
      lastHeartbeat: null,
      workers: [],
      lastResults: {},
    });

    const workerId = newWorkerId('host name/with:odd*chars', 42);
    expect(workerId).toMatch(/^[A-Za-z0-9_.-]+$/);
    const beat = { workerId, pid: 42, host: 'h', concurrency: 2, active: 1, startedAt: Date.now() };
    await writeWorkerHeartbeat(client, keys, beat, 400);
    await recordWorkerResult(client, keys, JOB.warmAll, {
      jobId: '7',
      ok: true,
      finishedAt: 123,
      summary: { items: 10, ms: 5, itemsPerSec: 2000 },
    });

    const status = await readWorkerStatus(client, keys, 400);
    expect(status.alive).toBe(true);
    expect(status.workers).toHaveLength(1);
    expect(status.workers[0]).toMatchObject({ workerId, active: 1, concurrency: 2 });
    expect(status.lastHeartbeat).toBeGreaterThan(Date.now() - 1000);
    expect(status.lastResults['warm-all']).toMatchObject({ ok: true, summary: { items: 10 } });

    await new Promise((r) => setTimeout(r, 600));
    const later = await readWorkerStatus(client, keys, 400);
    expect(later.alive).toBe(false);
    expect(later.lastResults['warm-all']?.jobId).toBe('7');

    await writeWorkerHeartbeat(client, keys, beat, 5000);
    expect((await readWorkerStatus(client, keys)).alive).toBe(true);
    await removeWorkerHeartbeat(client, keys, workerId);
    expect((await readWorkerStatus(client, keys)).alive).toBe(false);
  });
});

describe('readCacheTtls', () => {
  it('reads every PTTL in one pipeline, in order: -2 absent, -1 no TTL', async () => {
    const client = server.client();
    await client.set(keys.cacheEntry('t1'), 'x', 'PX', 5000);
    await client.set(keys.cacheEntry('t2'), 'x');
    const ttls = await readCacheTtls(client, keys, ['t1', 't2', 't3']);
    expect(ttls[0]).toBeGreaterThan(4000);
    expect(ttls[0]).toBeLessThanOrEqual(5000);
    expect(ttls.slice(1)).toEqual([-1, -2]);
    expect(await readCacheTtls(client, keys, [])).toEqual([]);
  });
});
