import type { HistoryResponse } from '@app/api-types';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { type AnyRoute, defineRoute } from '../../http/route.js';
import { errors, queryInt } from '../../http/schemas.js';

const historyQuery = z.object({ limit: queryInt(1, 100).optional() });
const historyResponse = z
  .object({
    recent: z.array(z.object({ query: z.string(), at: z.number().int().meta({ description: 'epoch ms' }) })),
    top: z.array(z.object({ query: z.string(), count: z.number().int() })),
  })
  .meta({ id: 'HistoryResponse' });

export function historyRoutes(ctx: AppContext): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/history',
      tag: 'history',
      summary: 'Recent lookups (newest first) and the most looked-up ids',
      request: { query: historyQuery },
      responses: {
        200: { description: 'Recent and top', schema: historyResponse },
        ...errors.badRequest,
        ...errors.unavailable,
      },
      handler: async ({ query }, _req, res) => {
        const limit = query.limit ?? 10;
        const [recent, top] = await Promise.all([ctx.history.recent(limit), ctx.history.top(limit)]);
        const answer: HistoryResponse = { recent, top };
        res.json(answer);
      },
    }),
  ];
}
