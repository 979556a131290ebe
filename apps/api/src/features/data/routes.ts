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
  // The records of one history batch share one promise: one failure handler per batch, not one
  // promise and reaction per read (a refused query's rejection is its own promise, handled too).
  let watchedHistory: Promise<void> | undefined;

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
        const recorded = ctx.history.record(params.id, client);
        if (recorded !== watchedHistory) {
          watchedHistory = recorded;
          recorded.catch(historyFailed);
        }
        const result = await ctx.cache.getOrLoad<Product>(params.id, () => origin.load(params.id), {
          client,
        });
        if (result.source === 'cache') ctx.metrics.cacheHits.inc();
        else ctx.metrics.cacheMisses.inc();
        if (result.value === null) throw notFound(`product '${params.id}' not found`);
        // Fields assigned in the answer's order (no spread of temporary objects per read).
        const body: Omit<DataResponse, 'origin_delay_ms'> & Partial<DataResponse> = {
          data: result.value,
          source: result.source,
          response_time: round2(result.latencyMs),
        };
        if (result.ttlMs !== null && result.ttlMs > 0) body.ttl = Math.ceil(result.ttlMs / 1000);
        if (result.cacheDown) body.cache_down = true;
        if (result.stale) body.stale = true;
        body.origin_delay_ms = origin.delayMs;
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
