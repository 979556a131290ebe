import type { ErrorResponse } from '@app/api-types';
import { isOutOfMemoryError, isRedisConnectionError, RedisCoreError, ValidationError } from '@app/redis-core';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { AppError } from './app-error.js';
import { requestLog } from './request-logger.js';

interface Mapped {
  status: number;
  body: ErrorResponse;
  headers?: Record<string, string>;
}

type Issue = NonNullable<ErrorResponse['issues']>[number];

function issuesOf(raw: readonly unknown[]): Issue[] {
  return raw.map((i) => {
    const issue = i as { path?: PropertyKey[]; message?: string };
    return {
      path: (issue.path ?? []).map((p) => (typeof p === 'number' ? p : String(p))),
      message: issue.message ?? 'invalid',
    };
  });
}

function describeIssues(issues: Issue[]): string {
  return issues
    .slice(0, 5)
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/** True when a Redis failure is the cause anywhere down the `cause` chain (LoaderError wraps the origin's). */
function causedBy(err: unknown, test: (e: unknown) => boolean): boolean {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (test(e)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * An error Redis answered to a command (ioredis' ReplyError: `-NOPERM …`, `-WRONGTYPE …`,
 * `-ERR …`), anywhere down the cause chain. The server refused one command; it is not a bug of
 * this process, so it never becomes a 500.
 */
function replyErrorIn(err: unknown): Error | null {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (e instanceof Error && e.name === 'ReplyError') return e;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}

/**
 * Redis' reply errors by their prefix. Messages are Redis' own wording, not shown: they can name
 * keys and users. NOPERM means the API's Redis user (infra/redis/users.acl) may not touch that
 * key or command, whoever asked; WRONGTYPE a key of another type than the route reads; anything
 * else (a script error, BUSY, an unknown subcommand on an older server) is the store refusing.
 */
function mapReplyError(err: Error): Mapped {
  const prefix = /^\s*([A-Z]+)/.exec(err.message)?.[1] ?? '';
  if (prefix === 'NOPERM' || /\bNOPERM\b/.test(err.message)) {
    return {
      status: 403,
      body: { error: "the API's Redis user may not read or write this key", code: 'E_REDIS_NOPERM' },
    };
  }
  if (prefix === 'WRONGTYPE') {
    return { status: 409, body: { error: 'the key holds another type of value', code: 'E_WRONG_TYPE' } };
  }
  return {
    status: 503,
    body: { error: 'Redis refused the command, retry shortly', code: 'E_REDIS_REFUSED' },
    headers: { 'Retry-After': '1' },
  };
}

/** Every error the app can meet → status, stable code and a message safe to show. */
export function mapError(err: unknown): Mapped {
  if (err instanceof AppError) {
    return { status: err.status, body: { error: err.message, code: err.code }, headers: err.headers };
  }
  if (err instanceof ZodError) {
    const issues = issuesOf(err.issues);
    return {
      status: 400,
      body: { error: `invalid request: ${describeIssues(issues)}`, code: 'E_VALIDATION', issues },
    };
  }
  if (err instanceof ValidationError) {
    const issues = issuesOf(err.issues);
    return {
      status: 400,
      body: { error: err.message, code: 'E_VALIDATION', ...(issues.length ? { issues } : {}) },
    };
  }
  // Client errors of @app/redis-core (bad id, not found, conflict) keep their own code.
  if (err instanceof RedisCoreError && err.status >= 400 && err.status < 500) {
    return { status: err.status, body: { error: err.message, code: err.code } };
  }
  // body-parser errors carry `type` and `status`.
  const bodyError = err as { type?: string; status?: number; expose?: boolean; message?: string };
  if (bodyError?.type === 'entity.too.large') {
    return { status: 413, body: { error: 'request body too large', code: 'E_PAYLOAD_TOO_LARGE' } };
  }
  if (bodyError?.type === 'entity.parse.failed') {
    return { status: 400, body: { error: 'malformed JSON body', code: 'E_BAD_JSON' } };
  }
  // Other client errors raised by Express or body-parser (bad percent-encoding, unsupported charset…).
  if (typeof bodyError?.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) {
    const message =
      err instanceof URIError
        ? 'malformed percent-encoding in the URL'
        : bodyError.expose && bodyError.message
          ? bodyError.message
          : 'bad request';
    return { status: bodyError.status, body: { error: message, code: 'E_BAD_REQUEST' } };
  }
  if (causedBy(err, isOutOfMemoryError)) {
    return { status: 503, body: { error: 'Redis is out of memory: write refused', code: 'E_STORE_FULL' } };
  }
  // A connection failure can surface raw or wrapped (CacheUnavailableError, LoaderError): both mean "Redis is down".
  if (
    causedBy(err, isRedisConnectionError) ||
    (err instanceof RedisCoreError && err.code === 'E_CACHE_UNAVAILABLE')
  ) {
    return {
      status: 503,
      body: { error: 'Redis is unavailable, retry shortly', code: 'E_REDIS_UNAVAILABLE' },
      headers: { 'Retry-After': '1' },
    };
  }
  // Before the generic pass-through: a LoaderError (502) wrapping a refused command is that refusal.
  const reply = replyErrorIn(err);
  if (reply) return mapReplyError(reply);
  if (err instanceof RedisCoreError && err.status >= 400 && err.status < 600 && err.code !== 'E_CONFIG') {
    return { status: err.status, body: { error: err.message, code: err.code } };
  }
  return { status: 500, body: { error: 'internal error', code: 'E_INTERNAL' } };
}

/** Registered last: every error becomes `{error, code}` JSON; stacks are logged, never sent. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    const mapped = mapError(err);
    // The request's child logger only when a line is written: a flood of refused requests
    // (429s, 401s) must not cost a logger each.
    if (mapped.status >= 500) requestLog(req, logger).error({ err }, `request failed: ${mapped.body.code}`);
    else if (logger.isLevelEnabled('debug'))
      requestLog(req, logger).debug({ code: mapped.body.code }, mapped.body.error);
    if (res.headersSent) {
      // Too late for a JSON answer (e.g. an SSE stream): let Express end the socket.
      next(err);
      return;
    }
    for (const [name, value] of Object.entries(mapped.headers ?? {})) res.setHeader(name, value);
    res.status(mapped.status).json(mapped.body);
  };
}

/** Unknown routes: JSON 404, never Express's HTML page. */
export const notFoundHandler: RequestHandler = (req, res) => {
  const body: ErrorResponse = { error: `no route ${req.method} ${req.path}`, code: 'E_NOT_FOUND' };
  res.status(404).json(body);
};
