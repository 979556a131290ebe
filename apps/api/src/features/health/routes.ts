import type { ConfigResponse, HealthResponse } from '@app/api-types';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { type AnyRoute, defineRoute } from '../../http/route.js';
import type { ChangeStreamViewSource } from './change-stream-view.js';
import { checkReadiness } from './readiness.js';

const healthResponse = z.object({ status: z.literal('ok') }).meta({ id: 'HealthResponse' });
const readyResponse = z
  .object({
    status: z.enum(['ready', 'unavailable']),
    redis: z.enum(['up', 'down']),
    queue_redis: z.enum(['up', 'down']).optional(),
    redis_latency_ms: z.number().optional(),
    warnings: z.array(z.string()).optional(),
    details: z.record(z.string(), z.string()).optional(),
    database: z.enum(['up', 'down']).optional().meta({ description: 'CATALOG_STORE=postgres only' }),
    database_version: z.string().optional().meta({ description: "PostgreSQL's server_version" }),
    change_stream: z
      .object({
        state: z.string(),
        slot: z.string(),
        worker_id: z.string(),
        consumers: z.number().int(),
        lag_bytes: z.number().nullable(),
        events_per_second: z.number(),
        events: z.number(),
        commits: z.number(),
        latency_ms: z.object({ p50: z.number().nullable(), p99: z.number().nullable(), samples: z.number() }),
        slot_recreations: z.number(),
        namespace_flushes: z.number(),
        last_error: z.string().nullable(),
        recent: z.array(
          z.object({
            ids: z.array(z.string()),
            truncated: z.boolean(),
            at: z.number(),
            latency_ms: z.number(),
          }),
        ),
      })
      .nullable()
      .optional()
      .meta({
        description: "CATALOG_STORE=postgres only: the workers' change-stream consumer (null: none reports)",
      }),
  })
  .meta({ id: 'ReadyResponse' });
const configResponse = z
  .object({
    origin_delay_ms: z
      .number()
      .int()
      .meta({ description: 'Simulated origin delay applied on cache misses (ORIGIN_DELAY_MS)' }),
    cache_ttl_seconds: z.number().int(),
    topology: z.enum(['standalone', 'replicated', 'sentinel', 'cluster']),
    near_cache: z.boolean(),
    admin_configured: z.boolean(),
    rate_limit_per_minute: z.number().int().meta({ description: '0 = off' }),
    catalog_store: z
      .enum(['redis', 'postgres'])
      .meta({ description: 'CATALOG_STORE: where the catalog lives' }),
  })
  .meta({ id: 'ConfigResponse' });

export function healthRoutes(ctx: AppContext, changeStream?: ChangeStreamViewSource): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      tag: 'health',
      unlimited: true,
      summary: 'Liveness: the process answers',
      responses: { 200: { description: 'Alive', schema: healthResponse } },
      handler: (_input, _req, res) => {
        const answer: HealthResponse = { status: 'ok' };
        res.json(answer);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      tag: 'health',
      unlimited: true,
      summary: 'Readiness: Redis answers PING; warns when the queue Redis is not noeviction',
      responses: {
        200: { description: 'Ready', schema: readyResponse },
        503: { description: 'Redis is down', schema: readyResponse },
      },
      handler: async (_input, _req, res) => {
        const ready = await checkReadiness(ctx, changeStream);
        res.status(ready.status === 'ready' ? 200 : 503).json(ready);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/config',
      tag: 'health',
      summary: 'Settings the monitor shows (origin delay, TTL, topology…)',
      responses: { 200: { description: 'Settings', schema: configResponse } },
      handler: (_input, _req, res) => {
        const answer: ConfigResponse = {
          origin_delay_ms: ctx.config.originDelayMs,
          cache_ttl_seconds: ctx.config.cacheTtlSeconds,
          topology: ctx.config.topology.kind,
          // The near cache is turned off on a cluster (see redis-core near-cache.ts): say what runs.
          near_cache: ctx.config.nearCache.enabled && ctx.config.topology.kind !== 'cluster',
          admin_configured: Boolean(ctx.config.adminToken),
          rate_limit_per_minute: ctx.config.rateLimitPerMinute,
          catalog_store: ctx.config.catalogStore,
        };
        res.json(answer);
      },
    }),
  ];
}
