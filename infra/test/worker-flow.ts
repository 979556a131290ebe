import {
  type Cache,
  type Catalog,
  createJobProducer,
  JOB,
  type Keyspace,
  QUEUE_NAME,
  type RedisConnections,
  readWorkerStatus,
  writeWorkerHeartbeat,
} from '@app/redis-core';
import { Worker } from 'bullmq';
import { expect } from 'vitest';

/**
 * What the worker does, logged in as the `worker` user (standalone and cluster ACL tests alike):
 * consume a warm-all job the `app` user enqueued, warm the cache from the catalog, write its
 * heartbeat for the API (app user) to read, and still be refused a catalog write.
 */
export async function workerUserFlow(opts: {
  /** Logged in as the worker user. */
  connections: RedisConnections;
  /** Logged in as the app user. */
  app: RedisConnections;
  keys: Keyspace;
  catalog: Catalog;
  cache: Cache;
  workerId: string;
  /** More of the worker's own reads, run inside the job. */
  duringJob?: () => Promise<unknown>;
}): Promise<void> {
  const { connections, app, keys, catalog, cache } = opts;
  const producer = createJobProducer({ connection: app.queueConnectionOptions(), prefix: keys.jobsPrefix });
  const worker = new Worker(
    QUEUE_NAME,
    async () => {
      const { ids } = await catalog.list();
      const products = await catalog.getMany(ids);
      await cache.setMany(products.flatMap((p) => (p ? [[p.id, p] as [string, typeof p]] : [])));
      await opts.duringJob?.();
      return { items: ids.length };
    },
    { connection: connections.queueConnectionOptions() as never, prefix: keys.jobsPrefix },
  );
  try {
    const done = new Promise<unknown>((resolve, reject) => {
      worker.once('completed', (_job, result) => resolve(result));
      worker.once('failed', (_job, err) => reject(err));
    });
    await producer.enqueue(JOB.warmAll, {});
    expect(await done).toEqual({ items: 3 });
    expect((await cache.peek('prod2'))?.value).toMatchObject({ id: 'prod2' });

    await writeWorkerHeartbeat(connections.writer, keys, {
      workerId: opts.workerId,
      pid: process.pid,
      host: 'acl-test',
      concurrency: 1,
      active: 0,
      startedAt: Date.now(),
    });
    // The API (app user) reads what the worker wrote.
    expect((await readWorkerStatus(app.writer, keys)).alive).toBe(true);
    // And the worker still cannot write the catalog.
    await expect(catalog.update('prod2', { price: 1 })).rejects.toThrow(/NOPERM|permission/i);
  } finally {
    await worker.close();
    await producer.close();
  }
}
