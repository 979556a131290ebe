import { z } from 'zod';
import { queryInt } from '../../http/schemas.js';

const window = {
  requests: z.number().int(),
  hits: z.number().int(),
  misses: z.number().int(),
  hit_ratio: z.number().meta({ description: '0..1' }),
};

const percentiles = z.object({
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
});

export const statsResponse = z
  .object({
    ...window,
    avg_response_time_cache: z.number().meta({ description: 'ms' }),
    avg_response_time_database: z.number().meta({ description: 'ms' }),
    speedup: z
      .number()
      .nullable()
      .meta({ description: 'avg database time / avg cache time; null until both are known' }),
    last_minute: z.object(window),
    percentiles: z.object({ cache: percentiles, database: percentiles }),
    origin_delay_ms: z.number().int(),
    redis: z.object({
      ops_per_sec: z.number(),
      used_memory: z.number(),
      used_memory_human: z.string(),
      keyspace_hits: z.number(),
      keyspace_misses: z.number(),
      connected_clients: z.number(),
      version: z.string(),
      maxmemory: z.number(),
      maxmemory_policy: z.string(),
      uptime_seconds: z.number(),
      role: z.string(),
      keys: z.number().int(),
    }),
  })
  .meta({ id: 'StatsResponse' });

export const seriesQuery = z.object({ seconds: queryInt(1, 3600).optional() });

export const seriesResponse = z
  .object({
    points: z.array(
      z.object({
        t: z.number().int().meta({ description: 'epoch ms of the second' }),
        hits: z.number().int(),
        misses: z.number().int(),
        avg_cache_ms: z.number(),
        avg_db_ms: z.number(),
      }),
    ),
  })
  .meta({ id: 'StatsSeriesResponse' });
