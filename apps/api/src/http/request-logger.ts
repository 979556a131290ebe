import { randomUUID } from 'node:crypto';
import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Request, RequestHandler, Response } from 'express';
import type { Level, Logger } from 'pino';
import { deferHeaders } from './deferred-headers.js';

// A caller's id is kept only when it is short and plain, so it cannot inject into logs or headers.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A successful GET/HEAD slower than this is logged at info (faster ones at debug). */
export const SLOW_REQUEST_MS = 1000;

// Probes and metrics scrapes would drown the useful lines.
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

const ID = Symbol('requestId');
const LOG = Symbol('requestLog');
const START = Symbol('requestStart');
const OWNER = Symbol('requestLogger');
const IN_FLIGHT = Symbol('inFlightRequest');
const WATCHED = Symbol('closeWatched');
type Tagged = Request & { [ID]?: string; [LOG]?: Logger; [START]?: number; [OWNER]?: object };
type WatchedSocket = Socket & { [IN_FLIGHT]?: Tagged; [WATCHED]?: true };

/** Published by Node's HTTP server for every response that completed (not for aborted ones). */
const RESPONSE_FINISH = 'http.server.response.finish';

/** The request's id (from `X-Request-Id` when sane, else a new UUID); '' before the logger ran. */
export function requestId(req: Request): string {
  return (req as Tagged)[ID] ?? '';
}

/**
 * A child logger bound to this request (`req: {id, method, url}`), made on first use only: most
 * requests never log anything but their access line, and a pino child costs a serialization.
 */
export function requestLog(req: Request, base: Logger): Logger {
  const tagged = req as Tagged;
  let log = tagged[LOG];
  if (!log) {
    log = base.child({ req: { id: requestId(req), method: req.method, url: req.originalUrl } });
    tagged[LOG] = log;
  }
  return log;
}

/**
 * Which level a finished request is logged at. Successful reads are the bulk of the traffic and
 * are counted by the metrics anyway: they go to debug unless slow. Writes stay at info (an audit
 * trail of changes), client errors at warn, server errors at error.
 */
export function accessLevel(method: string, status: number, ms: number): Level {
  if (status >= 500) return 'error';
  if (status >= 400) return 'warn';
  if ((method === 'GET' || method === 'HEAD') && ms < SLOW_REQUEST_MS) return 'debug';
  return 'info';
}

/**
 * The access-log middleware; `saw(req)` says whether it has run on `req` (so a later layer can
 * tell whether the app's common middlewares ran), `close()` detaches it from Node's HTTP events
 * (app shutdown).
 */
export type RequestLogger = RequestHandler & { saw(req: Request): boolean; close(): void };

/**
 * Structured access logs with an id per request, honoured from and returned in `X-Request-Id`,
 * and `onFinished` (the metrics' duration histogram) for every completed response.
 *
 * No listener per request: completed responses come from Node's `http.server.response.finish`
 * diagnostics channel (one subscriber per app; it ignores requests another app tagged), and an
 * aborted request (the client hung up before the answer) from one 'close' listener per
 * connection, which knows the request in flight on it. Two listeners per request (access log,
 * metrics) cost about 4 µs of CPU per request in the HTTP benchmark. The log line (and its child
 * logger) is built only when its level is enabled. With LOG_LEVEL=debug every request is logged.
 */
export function requestLogger(
  logger: Logger,
  opts: { onFinished?: (req: Request, res: Response, ms: number) => void } = {},
): RequestLogger {
  const { onFinished } = opts;
  const owner = {};

  function finished(req: Tagged, res: Response, aborted: boolean): void {
    const ms = performance.now() - (req[START] ?? 0);
    if (!aborted && onFinished) onFinished(req, res, ms);
    // originalUrl: by now a mounted handler (static files, docs) may have rewritten req.url.
    if (!QUIET_PATHS.has(req.originalUrl)) logAccess(logger, req, res, ms, aborted);
  }

  const onFinish = (message: unknown) => {
    const { request } = message as { request: IncomingMessage; response: ServerResponse };
    const req = request as Tagged;
    if (req[OWNER] !== owner) return;
    const socket = req.socket as WatchedSocket | null;
    if (socket && socket[IN_FLIGHT] === req) socket[IN_FLIGHT] = undefined;
    finished(req, req.res as Response, false);
  };
  diagnosticsChannel.subscribe(RESPONSE_FINISH, onFinish);

  const handler: RequestHandler = (req, res, next) => {
    const tagged = req as Tagged;
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    tagged[ID] = id;
    tagged[START] = performance.now();
    tagged[OWNER] = owner;
    // Written with the response's head (deferred-headers.ts), like the security headers.
    deferHeaders(res, ['X-Request-Id', id]);
    const socket = req.socket as WatchedSocket | null;
    if (socket) {
      socket[IN_FLIGHT] = tagged;
      if (!socket[WATCHED]) {
        socket[WATCHED] = true;
        socket.once('close', () => {
          const pending = socket[IN_FLIGHT];
          socket[IN_FLIGHT] = undefined;
          if (pending && pending[OWNER] === owner && !pending.res?.writableFinished)
            finished(pending, pending.res as Response, true);
        });
      }
    }
    next();
  };
  return Object.assign(handler, {
    saw: (req: Request) => (req as Tagged)[OWNER] === owner,
    close() {
      diagnosticsChannel.unsubscribe(RESPONSE_FINISH, onFinish);
    },
  });
}

function logAccess(logger: Logger, req: Request, res: Response, ms: number, aborted: boolean): void {
  // A client that hung up is not a server problem: same level as if it had waited.
  const level = accessLevel(req.method, res.statusCode, ms);
  if (!logger.isLevelEnabled(level)) return;
  const responseTime = Math.round(ms * 100) / 100;
  requestLog(req, logger)[level](
    { res: { statusCode: res.statusCode }, responseTime },
    aborted ? 'request aborted' : 'request completed',
  );
}
