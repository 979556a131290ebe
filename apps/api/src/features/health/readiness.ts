import type { ChangeStreamView, ReadyResponse } from '@app/api-types';
import { checkQueueRedisPolicy, type RedisClient } from '@app/redis-core';
import type { AppContext } from '../../context.js';
import { withTimeout } from '../../http/timeout.js';
import type { ChangeStreamViewSource } from './change-stream-view.js';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Ready = the writer Redis answers PING within the command timeout. The queue Redis (BullMQ)
 * being down or evicting is reported as a warning: reads and writes keep working without it.
 */
export async function checkReadiness(
  ctx: Pick<AppContext, 'connections' | 'jobs' | 'config' | 'catalogStore'>,
  changeStream?: ChangeStreamViewSource,
): Promise<ReadyResponse> {
  const timeoutMs = ctx.config.commandTimeoutMs;
  const details: Record<string, string> = {};
  const warnings: string[] = [];

  const pingStarted = performance.now();
  let redisUp = await withTimeout(ctx.connections.writer.ping(), timeoutMs, 'PING')
    .then(() => true)
    .catch((err: unknown) => {
      details.redis = message(err);
      return false;
    });
  const latency = Math.round((performance.now() - pingStarted) * 100) / 100;
  if (redisUp && ctx.connections.isCluster) {
    // A PING reaches one node; a cluster serves every key only while each slot has a master.
    const state = await withTimeout(
      ctx.connections.writer.call('CLUSTER', 'INFO') as Promise<unknown>,
      timeoutMs,
      'CLUSTER INFO',
    )
      .then((info) => /cluster_state:(\w+)/.exec(String(info))?.[1] ?? 'unknown')
      .catch((err: unknown) => `unknown (${message(err)})`);
    if (state !== 'ok') {
      redisUp = false;
      details.redis = `cluster_state:${state}: some slots have no reachable master`;
    }
  }

  const separateQueue = ctx.config.queueRedisUrl !== undefined;
  let queueUp = redisUp;
  if (separateQueue || redisUp) {
    try {
      // BullMQ's own connection to the queue Redis (an ioredis client behind its backend interface).
      const client = (await withTimeout(
        ctx.jobs.queue.getBackend().client as Promise<unknown>,
        timeoutMs,
        'queue Redis connection',
      )) as RedisClient;
      if (separateQueue) await withTimeout(client.ping(), timeoutMs, 'queue Redis PING');
      queueUp = true;
      const policy = await withTimeout(
        checkQueueRedisPolicy(client),
        timeoutMs,
        'queue Redis maxmemory-policy',
      );
      if (!policy.ok && policy.warning) warnings.push(policy.warning);
    } catch (err) {
      queueUp = false;
      details.queue_redis = message(err);
      warnings.push(`queue Redis unavailable: jobs cannot be enqueued (${message(err)})`);
    }
  }

  // The postgres store: reported, not required (cache hits need no database, and the API must
  // not be taken out of rotation because the database or the worker is away).
  let database: 'up' | 'down' | undefined;
  let stream: ChangeStreamView | null | undefined;
  let version: string | undefined;
  const ping = ctx.catalogStore?.ping;
  if (ping) {
    database = await withTimeout(ping(), timeoutMs * 2, 'PostgreSQL')
      .then(() => 'up' as const)
      .catch((err: unknown) => {
        details.database = message(err);
        warnings.push(`PostgreSQL unavailable: catalog reads and cache misses answer 503 (${message(err)})`);
        return 'down' as const;
      });
    stream =
      redisUp && changeStream ? await changeStream.refresh().catch(() => changeStream.current()) : null;
    const serverVersion = ctx.catalogStore?.serverVersion;
    if (database === 'up' && serverVersion) {
      version = await withTimeout(serverVersion(), timeoutMs * 2, 'PostgreSQL version').catch(
        () => undefined,
      );
    }
    if (stream?.state !== 'streaming') {
      warnings.push(
        'no worker streams the PostgreSQL change stream: writes made outside the API are not invalidated yet',
      );
    }
  }

  for (const replica of ctx.connections.replicas) {
    if (!replica.healthy) warnings.push(`replica ${replica.url} is not healthy: reads go to the master`);
  }

  return {
    status: redisUp ? 'ready' : 'unavailable',
    redis: redisUp ? 'up' : 'down',
    ...(separateQueue ? { queue_redis: queueUp ? ('up' as const) : ('down' as const) } : {}),
    ...(redisUp ? { redis_latency_ms: latency } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(Object.keys(details).length > 0 ? { details } : {}),
    ...(database ? { database, change_stream: stream ?? null } : {}),
    ...(version ? { database_version: version } : {}),
  };
}
