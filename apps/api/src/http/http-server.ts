import { createServer, type RequestListener, type Server } from 'node:http';

/**
 * Node's HTTP server limits, set on purpose rather than left to defaults (docs/security.md):
 * - headersTimeout: a client has this long from connecting to finish its request headers
 *   (slowloris: a client trickling header bytes holds a socket); Node's default is 60 s.
 * - requestTimeout: the whole request, body included (default 300 s). It does not bound the
 *   response, so event streams are not cut.
 * - keepAliveTimeout: an idle kept-alive socket is closed after this (default 5 s, kept; a load
 *   balancer in front must close its idle connections sooner).
 * - checkIntervalMs: how often Node checks the two request timeouts; its default of 30 s would
 *   let a slow client keep a socket up to 30 s past its deadline.
 */
export interface HttpServerLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  checkIntervalMs: number;
}

export const HTTP_SERVER_LIMITS: HttpServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  checkIntervalMs: 1_000,
};

/** The API's HTTP server (not listening yet) with those limits. */
export function createHttpServer(
  app: RequestListener,
  limits: HttpServerLimits = HTTP_SERVER_LIMITS,
): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
    app,
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  return server;
}
