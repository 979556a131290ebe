import { type AnyRoute, defineRoute } from '../../http/route.js';
import type { AppMetrics } from './metrics.js';

export function metricsRoutes(metrics: AppMetrics): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/metrics',
      tag: 'health',
      unlimited: true,
      summary: 'Prometheus metrics (HTTP latency by route, cache hits/misses, redis_up)',
      responses: { 200: { description: 'Prometheus text format', contentType: 'text/plain' } },
      handler: async (_input, _req, res) => {
        res.setHeader('Content-Type', metrics.registry.contentType);
        res.send(await metrics.registry.metrics());
      },
    }),
  ];
}
