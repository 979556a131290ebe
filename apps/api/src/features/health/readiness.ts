import type { ReadyResponse } from '@app/api-types';
import { checkQueueRedisPolicy, type RedisClient } from '@app/redis-core';
import type { AppContext } from '../../context.js';
import { withTimeout } from '../../http/timeout.js';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Ready = the writer Redis answers PING within the command timeout. The queue Redis (BullMQ)
 * being down or evicting is reported as a warning: reads and writes keep working without it.
 */
export async function checkReadiness(
  ctx: Pick<AppContext, 'connections' | 'jobs' | 'config'>,
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
  };
}
