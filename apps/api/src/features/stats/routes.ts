import type { StatsSeriesResponse } from '@app/api-types';
import type { AppContext } from '../../context.js';
import { type AnyRoute, defineRoute } from '../../http/route.js';
import { errors } from '../../http/schemas.js';
import { seriesQuery, seriesResponse, statsResponse } from './schemas.js';
import { readStats } from './stats-view.js';

export function statsRoutes(ctx: AppContext): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/stats',
      tag: 'stats',
      summary: 'Hit/miss counters, average response times cache vs database, Redis INFO',
      responses: { 200: { description: 'Counters', schema: statsResponse }, ...errors.unavailable },
      handler: async (_input, _req, res) => {
        res.json(await readStats(ctx));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/stats/series',
      tag: 'stats',
      summary: 'Per-second hits, misses and latencies for the charts',
      request: { query: seriesQuery },
      responses: {
        200: { description: 'One point per second', schema: seriesResponse },
        ...errors.badRequest,
        ...errors.unavailable,
      },
      handler: async ({ query }, _req, res) => {
        const points = await ctx.stats.series(query.seconds ?? 60);
        const answer: StatsSeriesResponse = {
          points: points.map((p) => ({
            t: p.t,
            hits: p.hits,
            misses: p.misses,
            avg_cache_ms: p.avgCacheMs,
            avg_db_ms: p.avgDbMs,
          })),
        };
        res.json(answer);
      },
    }),
  ];
}
