import type { DataResponse, InvalidateResponse } from '@app/api-types';
import type { Product } from '@app/redis-core';
import type { AppContext } from '../../context.js';
import { notFound } from '../../http/app-error.js';
import { clientAddress } from '../../http/client-address.js';
import { type AnyRoute, defineRoute, round2 } from '../../http/route.js';
import { errors, idParams } from '../../http/schemas.js';
import { createJsonSender } from '../../http/send-json.js';
import { throttled } from '../../http/timeout.js';
import { createOrigin } from './origin.js';
import { dataResponseSchema, invalidateResponseSchema } from './schemas.js';

export function dataRoutes(ctx: AppContext): AnyRoute[] {
  const origin = createOrigin({ catalog: ctx.catalog, delayMs: ctx.config.originDelayMs });
  // With the near-cache a hit needs no I/O: its answer goes out from the next macrotask.
  const noIoHits = ctx.cache.near !== null;
  const json = createJsonSender();
  const historyFailed = throttled(10_000, (err) => ctx.logger.warn({ err }, 'history.record failed'));

  return [
    defineRoute({
      method: 'get',
      path: '/api/data/:id',
      tag: 'cache',
      summary: 'Cache-aside read of a product',
      description:
        'Reads `data:<id>` from Redis; on a miss loads the product from the catalog (after the simulated ORIGIN_DELAY_MS), stores it with a TTL and answers `source: "database"`. Unknown ids are 404 and negatively cached.',
      request: { params: idParams },
      responses: {
        200: { description: 'The product and where it came from', schema: dataResponseSchema },
        ...errors.badRequest,
        ...errors.notFound,
        ...errors.rateLimited,
        ...errors.unavailable,
      },
      handler: async ({ params }, req, res, next) => {
        // The client bounds what its reads may do: one vote per id in the top searches, and a
        // budget of negative entries for the ids it makes up (in process memory, no Redis call).
        const client = clientAddress(req);
        // Recorded in the background: the history must never add latency to the read.
        ctx.history.record(params.id, client).catch(historyFailed);
        const result = await ctx.cache.getOrLoad<Product>(params.id, () => origin.load(params.id), {
          client,
        });
        if (result.source === 'cache') ctx.metrics.cacheHits.inc();
        else ctx.metrics.cacheMisses.inc();
        if (result.value === null) throw notFound(`product '${params.id}' not found`);
        const body: DataResponse = {
          data: result.value,
          source: result.source,
          response_time: round2(result.latencyMs),
          ...(result.ttlMs !== null && result.ttlMs > 0 ? { ttl: Math.ceil(result.ttlMs / 1000) } : {}),
          ...(result.cacheDown ? { cache_down: true } : {}),
          ...(result.stale ? { stale: true } : {}),
          origin_delay_ms: origin.delayMs,
        };
        json.send(res, body, next, noIoHits && result.source === 'cache');
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/data/:id',
      tag: 'cache',
      admin: true,
      summary: 'Invalidate one cache entry',
      request: { params: idParams },
      responses: {
        200: { description: 'Whether an entry existed', schema: invalidateResponseSchema },
        ...errors.badRequest,
        ...errors.unauthorized,
        ...errors.unavailable,
      },
      handler: async ({ params }, _req, res) => {
        const body: InvalidateResponse = { invalidated: await ctx.cache.invalidate(params.id) };
        res.json(body);
      },
    }),
  ];
}
