import { createJobProducer, generateProducts, JOB, readWorkerStatus } from '@app/redis-core';
import { cleanupAll, type RedisServer, startTestRedis, type TestRedis, waitUntil } from '@app/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEnv, cacheKeys, finished, memoryLogger } from './helpers.js';

/**
 * The worker on a cluster beyond what the shared suites check: BullMQ's keys in one slot, warm
 * jobs writing entries to every shard, and the queue's shard master killed: its replica takes
 * over and the worker goes on taking jobs without a restart.
 */

const N = 300;

let redis: TestRedis;
let env: ReturnType<typeof buildEnv>;
let producer: ReturnType<typeof createJobProducer>;
const logger = memoryLogger();

beforeAll(async () => {
  redis = await startTestRedis({ kind: 'cluster', nodeTimeoutMs: 1000 });
  env = buildEnv(redis, { ttlSeconds: 300 });
  await env.catalog.seedIfEmpty(generateProducts(N, { seed: 5 }));
  producer = createJobProducer({ connection: env.connection, prefix: env.keys.jobsPrefix });
  // The failover makes this test's own producer report connection errors (the API logs them).
  producer.queue.on('error', () => {});
  await env.startWorker({ concurrency: 2, heartbeatMs: 200 }, undefined, logger);
}, 90_000);

afterAll(async () => {
  await producer?.close();
  await env?.close();
  await cleanupAll();
});

async function mastersHolding(pattern: string): Promise<RedisServer[]> {
  const holding: RedisServer[] = [];
  for (const master of await redis.masters()) {
    const c = master.client();
    const [, found] = await c.scan('0', 'MATCH', pattern, 'COUNT', 10_000);
    c.disconnect();
    if (found.length > 0) holding.push(master);
  }
  return holding;
}

describe('worker on a cluster', () => {
  it('warm-all writes entries on every shard; BullMQ keeps its queue in one slot', async () => {
    const events = await env.events();
    const view = await producer.enqueue(JOB.warmAll, {});
    const job = await producer.queue.getJob(view.id);
    const summary = (await finished(job as NonNullable<typeof job>, events)) as Record<string, number>;
    expect(summary.items).toBe(N);
    expect(await cacheKeys(redis)).toHaveLength(N);
    expect(await mastersHolding('data:*')).toHaveLength(3);
    expect(await mastersHolding('{bull}:*')).toHaveLength(1);
    expect(await mastersHolding('bull:*')).toHaveLength(0);
  });

  it("goes on taking jobs after the queue shard's master is killed and its replica promoted", async () => {
    const [queueMaster] = await mastersHolding('{bull}:*');
    if (!queueMaster) throw new Error('no master holds the queue');
    const killedAt = Date.now();
    await queueMaster.kill();
    // Promotion: another node now serves the queue's slot.
    await waitUntil(
      async () => {
        const holders = await mastersHolding('{bull}:*');
        return holders.length === 1 && holders[0]?.port !== queueMaster.port;
      },
      15_000,
      'no replica took over the queue slot',
    );
    // Enqueueing may fail while the client learns the new slot map; then it works.
    let id: string | undefined;
    await waitUntil(
      async () => {
        id = (await producer.enqueue(JOB.warmTop, { n: 2 })).id;
        return true;
      },
      15_000,
      'could not enqueue after the failover',
    );
    await waitUntil(async () => (await producer.get(id as string))?.state === 'completed', 20_000);
    const recoveredMs = Date.now() - killedAt;
    console.info(JSON.stringify({ workerRecoveredMs: recoveredMs }));
    expect(recoveredMs).toBeLessThan(30_000);
    // The worker records a job's result right after BullMQ marks it completed.
    await waitUntil(
      async () =>
        (await readWorkerStatus(env.connections.writer, env.keys)).lastResults[JOB.warmTop]?.ok === true,
      5_000,
      'the worker did not record the job result',
    );
    expect((await readWorkerStatus(env.connections.writer, env.keys)).alive).toBe(true);
    // The restarted node rejoins as a replica; the cluster is whole again.
    await queueMaster.start();
    await redis.cluster?.waitForOk(20_000);
  }, 90_000);
});
