import type { Request } from 'express';
import { AppError } from '../../http/app-error.js';
import { type AnyRoute, defineRoute } from '../../http/route.js';
import { errorSchema } from '../../http/schemas.js';
import type { AppMetrics } from './metrics.js';

/** `mayScrape` decides who may (metrics-access.ts), before any work. */
export function metricsRoutes(metrics: AppMetrics, mayScrape: (req: Request) => boolean): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/metrics',
      tag: 'health',
      unlimited: true,
      summary: 'Prometheus metrics (HTTP latency by route, cache hits/misses, redis_up)',
      description:
        'Served to the addresses in METRICS_ALLOW (loopback by default) or with `Authorization: Bearer <METRICS_TOKEN>`; 403 otherwise.',
      responses: {
        200: { description: 'Prometheus text format', contentType: 'text/plain' },
        403: { description: 'Not an allowed address and no metrics token', schema: errorSchema },
      },
      handler: async (_input, req, res) => {
        if (!mayScrape(req)) {
          throw new AppError(
            403,
            'E_METRICS_FORBIDDEN',
            'metrics are served to METRICS_ALLOW addresses or with Authorization: Bearer <METRICS_TOKEN>',
          );
        }
        res.setHeader('Content-Type', metrics.registry.contentType);
        res.send(await metrics.registry.metrics());
      },
    }),
  ];
}
