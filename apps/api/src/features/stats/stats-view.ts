import type { StatsResponse } from '@app/api-types';
import { redisInfo } from '@app/redis-core';
import type { AppContext } from '../../context.js';

/** The stats answer (counters shared by every API instance + the writer's INFO); also the SSE `stats` payload. */
export async function readStats(
  ctx: Pick<AppContext, 'stats' | 'connections' | 'config'>,
): Promise<StatsResponse> {
  const [snapshot, info] = await Promise.all([ctx.stats.snapshot(), redisInfo(ctx.connections.writer)]);
  return {
    ...snapshot,
    origin_delay_ms: ctx.config.originDelayMs,
    redis: {
      ops_per_sec: info.opsPerSec,
      used_memory: info.usedMemory,
      used_memory_human: info.usedMemoryHuman,
      keyspace_hits: info.keyspaceHits,
      keyspace_misses: info.keyspaceMisses,
      connected_clients: info.connectedClients,
      version: info.version,
      maxmemory: info.maxmemory,
      maxmemory_policy: info.maxmemoryPolicy,
      uptime_seconds: info.uptimeSeconds,
      role: info.role,
      keys: info.keys,
    },
  };
}
