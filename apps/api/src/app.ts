import express, { type Express, type RequestHandler } from 'express';
import type { AppContext } from './context.js';
import type { AppDeps } from './deps.js';
import { cacheKeyRoutes } from './features/cache-keys/routes.js';
import { catalogRoutes } from './features/catalog/routes.js';
import { dataRoutes } from './features/data/routes.js';
import { registerChangeStreamMetrics } from './features/health/change-stream-metrics.js';
import { createChangeStreamView } from './features/health/change-stream-view.js';
import { healthRoutes } from './features/health/routes.js';
import { historyRoutes } from './features/history/routes.js';
import { readJobs } from './features/jobs/jobs-view.js';
import { jobRoutes } from './features/jobs/routes.js';
import { createMetrics } from './features/metrics/metrics.js';
import { metricsAccess } from './features/metrics/metrics-access.js';
import { metricsRoutes } from './features/metrics/routes.js';
import { DOCS_PATH, openApiRoutes } from './features/openapi/routes.js';
import { createProbeSchedule } from './features/replication/probe-schedule.js';
import { createReplicationView } from './features/replication/replication-view.js';
import { replicationRoutes } from './features/replication/routes.js';
import { statsRoutes } from './features/stats/routes.js';
import { readStats } from './features/stats/stats-view.js';
import { streamRoutes } from './features/stream/routes.js';
import { createStreamHub } from './features/stream/stream-hub.js';
import { webApp } from './features/web/static.js';
import { adminGuard } from './http/admin-auth.js';
import { compose } from './http/compose.js';
import { errorHandler, notFoundHandler } from './http/error-handler.js';
import { rateLimit } from './http/rate-limit.js';
import { requestLogger } from './http/request-logger.js';
import { type AnyRoute, mountRoutes } from './http/route.js';
import { corsPolicy, securityHeaders } from './http/security.js';

export const API_VERSION = '1.0.0';
/** Answers that are data, never pages: the JSON API (its HTML docs excepted), probes and metrics. */
const DATA_URL = /^\/(?:api\/(?!docs(?:[/?]|$))|(?:healthz|readyz|metrics)(?:[/?]|$))/;
export const JSON_BODY_LIMIT = '100kb';
/** A periodic probe waits this long for its token on the replicas (an arrival later shows as null). */
const PERIODIC_PROBE_TIMEOUT_MS = 2000;

export interface ApiApp extends Express {
  /** Every route the app mounts, as declared (the OpenAPI document is built from the same list). */
  readonly routes: AnyRoute[];
  /** Ends the SSE streams and stops the ticker; call before closing the HTTP server and Redis. */
  shutdown(): void;
  /** Open SSE connections (the ticker runs only while this is > 0). */
  streamClients(): number;
}

/** Builds the Express app from injected services. It does not listen: index.ts (or supertest) does. */
export function createApp(deps: AppDeps): ApiApp {
  const metrics = createMetrics({ redisReady: () => deps.connections.writer.status === 'ready' });
  const ctx: AppContext = { ...deps, metrics };
  const replicationView = createReplicationView(
    deps.replication,
    createProbeSchedule({
      replication: deps.replication,
      everyMs: deps.config.probeEverySeconds * 1000,
      timeoutMs: PERIODIC_PROBE_TIMEOUT_MS,
      logger: deps.logger.child({ component: 'replication-probe' }),
    }),
  );
  // CATALOG_STORE=postgres: the workers' change-stream consumer, for readiness and /metrics.
  const changeStream = createChangeStreamView(deps);
  if (deps.catalogStore?.kind === 'postgres') registerChangeStreamMetrics(metrics.registry, changeStream);
  const hub = createStreamHub({
    sources: {
      stats: () => readStats(ctx),
      replication: () => replicationView.status(),
      jobs: () => readJobs(ctx, 20),
    },
    jobEvents: deps.jobEvents,
    logger: deps.logger.child({ component: 'stream' }),
    sourceTimeoutMs: Math.max(500, deps.config.commandTimeoutMs),
    maxPerClient: deps.config.streams.maxPerClient,
    maxTotal: deps.config.streams.maxTotal,
  });
  // A node that drops or regains its connection is on the stream at once, not on the next tick.
  const stopWatchingNodes = deps.replication.onNodeChange(() => hub.refresh('replication'));

  const routes: AnyRoute[] = [];
  const docs = openApiRoutes(() => routes, API_VERSION);
  routes.push(
    ...dataRoutes(ctx),
    ...catalogRoutes(ctx),
    ...statsRoutes(ctx),
    ...cacheKeyRoutes(ctx),
    ...historyRoutes(ctx),
    ...replicationRoutes(replicationView),
    ...jobRoutes(ctx),
    ...streamRoutes(hub, {
      perClient: deps.config.streams.maxPerClient,
      total: deps.config.streams.maxTotal,
    }),
    ...healthRoutes(ctx, changeStream),
    ...metricsRoutes(metrics, metricsAccess(deps.config.metrics)),
    ...docs.routes,
  );

  const app = express() as unknown as ApiApp;
  app.disable('x-powered-by');
  // No ETag on JSON answers: they are live (every /api/data answer carries its own response_time),
  // so a tag never matches and hashing each body is pure cost. Static files keep theirs.
  app.set('etag', false);
  if (deps.trustProxy !== undefined) app.set('trust proxy', deps.trustProxy);

  const json = express.json({ limit: JSON_BODY_LIMIT });
  const accessLog = requestLogger(deps.logger, { onFinished: metrics.observeHttp });
  // Every request goes through these, in this order: access log and request id, security
  // headers, CORS, JSON body.
  const common: RequestHandler[] = [
    accessLog,
    securityHeaders({ isData: (url) => DATA_URL.test(url) }),
    corsPolicy(deps.config.corsOrigins),
    (req, res, next) => {
      // Most requests are bodyless GETs: skip the parser's per-request checks (it would skip them too).
      // req.body stays unset (undefined), as the parser leaves it on a bodyless request.
      if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
        next();
        return;
      }
      json(req, res, next);
    },
  ];

  const limiter = rateLimit({
    client: deps.connections.writer,
    keyPrefix: deps.keys.rateLimitPrefix.replace(/:$/, ''),
    perMinute: deps.config.rateLimitPerMinute,
    timeoutMs: Math.min(250, deps.config.commandTimeoutMs),
    logger: deps.logger.child({ component: 'rate-limit' }),
  });
  // Each route runs `common` first, inside its own composed handler (compose.ts), mounted on the
  // app itself: a routed request crosses one Express layer, not a global one plus a sub-router.
  // Whatever no route answered (docs, SPA, 404s, errors) gets `common` from the layer after the
  // routes, unless a route already ran it (a handler that passed the request on): the access log,
  // first in `common`, tags every request it has seen.
  mountRoutes(app, routes, {
    common,
    admin: adminGuard(deps.config.adminToken),
    rateLimit: limiter,
  });
  const commonChain = compose(common);
  app.use((req, res, next) => {
    if (accessLog.saw(req)) next();
    else commonChain(req, res, next);
  });
  app.use(DOCS_PATH, ...docs.assets);
  if (deps.webDistDir) app.use(...webApp(deps.webDistDir));

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));

  Object.defineProperty(app, 'routes', { value: routes, enumerable: true });
  app.shutdown = () => {
    stopWatchingNodes();
    hub.close();
    replicationView.close();
    changeStream.close();
    accessLog.close();
  };
  app.streamClients = () => hub.clientCount();
  return app;
}
