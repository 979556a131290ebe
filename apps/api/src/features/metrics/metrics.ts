import type { Request, Response } from 'express';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics in a registry owned by one app instance (never prom-client's global one),
 * so several apps in one process (tests) do not collide.
 */
export interface AppMetrics {
  registry: Registry;
  cacheHits: Counter;
  cacheMisses: Counter;
  redisUp: Gauge;
  /** One completed response (the request logger calls it): the duration histogram. */
  observeHttp(req: Request, res: Response, ms: number): void;
}

export function createMetrics(opts: {
  /**
   * Whether the writer's connection is up, as the client knows it: a scrape costs Redis nothing
   * (a PING per scrape let any scraper make the API talk to Redis at will).
   */
  redisReady: () => boolean;
  defaultMetrics?: boolean;
}): AppMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const cacheHits = new Counter({
    name: 'cache_hits_total',
    help: 'Reads answered from the Redis cache',
    registers: [registry],
  });
  const cacheMisses = new Counter({
    name: 'cache_misses_total',
    help: 'Reads answered from the origin (catalog) after a cache miss',
    registers: [registry],
  });
  const redisUp = new Gauge({
    name: 'redis_up',
    help: "1 when the writer Redis connection is ready (the client's own state, no round trip), else 0",
    registers: [registry],
    collect() {
      this.set(opts.redisReady() ? 1 : 0);
    },
  });

  // One labelled child per (method, route, status), looked up by a flat string: prom-client's
  // labels() hashes the label object on every call.
  const children = new Map<string, { observe(seconds: number): void }>();
  const observe = (method: string, route: string, status: number, seconds: number) => {
    const key = `${method} ${status} ${route}`;
    let child = children.get(key);
    if (!child) {
      child = httpDuration.labels({ method, route, status: String(status) });
      children.set(key, child);
    }
    child.observe(seconds);
  };

  const observeHttp = (req: Request, res: Response, ms: number) => {
    // The route pattern, not the URL, keeps label cardinality bounded (ids are not labels).
    const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
    observe(req.method, route, res.statusCode, ms / 1000);
  };

  return { registry, cacheHits, cacheMisses, redisUp, observeHttp };
}
