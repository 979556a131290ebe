/**
 * Every error this package throws has a stable `code` and the HTTP status it maps to, so the
 * API has one mapping and callers can branch on `code` instead of parsing messages.
 */
export class RedisCoreError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(message: string, code: string, status: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
  }
}

export class InvalidIdError extends RedisCoreError {
  constructor(message: string) {
    super(message, 'E_INVALID_ID', 400);
  }
}

export class ValidationError extends RedisCoreError {
  readonly issues: unknown[];

  constructor(message: string, issues: unknown[] = []) {
    super(message, 'E_VALIDATION', 400);
    this.issues = issues;
  }
}

export class NotFoundError extends RedisCoreError {
  constructor(message: string) {
    super(message, 'E_NOT_FOUND', 404);
  }
}

export class ConflictError extends RedisCoreError {
  constructor(message: string) {
    super(message, 'E_CONFLICT', 409);
  }
}

export class ConfigError extends RedisCoreError {
  readonly variable: string;

  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`, 'E_CONFIG', 500);
    this.variable = variable;
  }
}

export class CacheUnavailableError extends RedisCoreError {
  constructor(message = 'Redis is unavailable', options?: { cause?: unknown }) {
    super(message, 'E_CACHE_UNAVAILABLE', 503, options);
  }
}

export class LoaderError extends RedisCoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'E_LOADER', 502, options);
  }
}

export class StoreFullError extends RedisCoreError {
  constructor(message = 'Redis is out of memory: write refused', options?: { cause?: unknown }) {
    super(message, 'E_STORE_FULL', 503, options);
  }
}

// Cluster: while a failover moves slots, ioredis follows MOVED/ASK redirections a bounded number
// of times and then gives up with "Too many Cluster redirections"; that is the switch, not a bug.
const connectionErrorPattern =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|Connection is closed|Command timed out|timed out|MaxRetriesPerRequest|Stream isn't writeable|enableOfflineQueue|connect ETIMEDOUT|LOADING|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|Failed to refresh slots cache|Too many Cluster redirections|None of startup nodes is available|None of the sentinels|All sentinels are unreachable|READONLY/i;

/** True for failures that mean "Redis is not reachable right now", as opposed to a bug or bad input. */
export function isRedisConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return connectionErrorPattern.test(`${err.name} ${code} ${err.message}`);
}

/** True when Redis refused a write because maxmemory is reached and nothing may be evicted. */
export function isOutOfMemoryError(err: unknown): boolean {
  return err instanceof Error && /^OOM /.test(err.message);
}
