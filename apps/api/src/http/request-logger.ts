import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Level, Logger } from 'pino';

// A caller's id is kept only when it is short and plain, so it cannot inject into logs or headers.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A successful GET/HEAD slower than this is logged at info (faster ones at debug). */
export const SLOW_REQUEST_MS = 1000;

// Probes and metrics scrapes would drown the useful lines.
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

const ID = Symbol('requestId');
const LOG = Symbol('requestLog');
type Tagged = Request & { [ID]?: string; [LOG]?: Logger };

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
 * Structured access logs with an id per request, honoured from and returned in `X-Request-Id`.
 * The per-request cost is one header and one 'close' listener, which also hands each completed
 * response to `onFinished` (the metrics' duration histogram) so a request carries one listener,
 * not one per observer. The log line (and its child logger) is built only when its level is
 * enabled. With LOG_LEVEL=debug every request is logged.
 */
export function requestLogger(
  logger: Logger,
  opts: { onFinished?: (req: Request, res: Response, ms: number) => void } = {},
): RequestHandler {
  const { onFinished } = opts;
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    (req as Tagged)[ID] = id;
    res.setHeader('X-Request-Id', id);
    const quiet = QUIET_PATHS.has(req.url);
    if (!quiet || onFinished) {
      const start = performance.now();
      // 'close' follows 'finish' on a completed response and is the only event of an aborted one.
      res.once('close', () => {
        const ms = performance.now() - start;
        if (onFinished && res.writableFinished) onFinished(req, res, ms);
        if (!quiet) logAccess(logger, req, res, ms);
      });
    }
    next();
  };
}

function logAccess(logger: Logger, req: Request, res: Response, ms: number): void {
  const aborted = !res.writableFinished;
  // A client that hung up is not a server problem: same level as if it had waited.
  const level = accessLevel(req.method, res.statusCode, ms);
  if (!logger.isLevelEnabled(level)) return;
  const responseTime = Math.round(ms * 100) / 100;
  requestLog(req, logger)[level](
    { res: { statusCode: res.statusCode }, responseTime },
    aborted ? 'request aborted' : 'request completed',
  );
}
