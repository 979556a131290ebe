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
  type Child = { observe(seconds: number): void };
  const children = new Map<string, Child>();
  const childFor = (method: string, route: string, status: number): Child => {
    const key = `${method} ${status} ${route}`;
    let child = children.get(key);
    if (!child) {
      child = httpDuration.labels({ method, route, status: String(status) });
      children.set(key, child);
    }
    return child;
  };
  // A route mounted on the app itself (every API route): its children by Express route object,
  // method and status, so such a request builds no label string.
  const routed = new WeakMap<object, Map<string, Map<number, Child>>>();

  const observeHttp = (req: Request, res: Response, ms: number) => {
    const status = res.statusCode;
    const route = req.route as { path?: unknown } | undefined;
    // The route pattern, not the URL, keeps label cardinality bounded (ids are not labels).
    if (!route?.path) {
      childFor(req.method, 'unmatched', status).observe(ms / 1000);
      return;
    }
    if (req.baseUrl !== '') {
      childFor(req.method, `${req.baseUrl}${String(route.path)}`, status).observe(ms / 1000);
      return;
    }
    let byMethod = routed.get(route);
    if (!byMethod) {
      byMethod = new Map();
      routed.set(route, byMethod);
    }
    let byStatus = byMethod.get(req.method);
    if (!byStatus) {
      byStatus = new Map();
      byMethod.set(req.method, byStatus);
    }
    let child = byStatus.get(status);
    if (!child) {
      child = childFor(req.method, String(route.path), status);
      byStatus.set(status, child);
    }
    child.observe(ms / 1000);
  };

  return { registry, cacheHits, cacheMisses, redisUp, observeHttp };
}
