import { CacheUnavailableError } from '@app/redis-core';

/**
 * Bounds a Redis-backed call that has no command timeout of its own (BullMQ's connections queue
 * commands while Redis is down, by design for its workers). Past `ms` it rejects with
 * CacheUnavailableError, which the error middleware answers as 503 E_REDIS_UNAVAILABLE; the
 * late outcome of the original call is swallowed.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CacheUnavailableError(`${what}: Redis did not answer within ${ms} ms`)),
      ms,
    );
  });
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Logs a recurring failure at most once per interval, so a Redis outage does not flood the logs. */
export function throttled(intervalMs: number, log: (err: unknown) => void): (err: unknown) => void {
  let last = 0;
  return (err) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    log(err);
  };
}
