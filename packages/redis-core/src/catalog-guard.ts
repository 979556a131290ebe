import {
  CacheUnavailableError,
  isOutOfMemoryError,
  isRedisConnectionError,
  RedisCoreError,
  StoreFullError,
} from './errors.js';

/**
 * The one path every catalog and history call to Redis goes through: a refused write because
 * maxmemory is reached becomes StoreFullError (503), an unreachable or timed-out server
 * CacheUnavailableError (503); our own errors and anything else pass through unchanged.
 */
export function mapRedisError(err: unknown, what: string): unknown {
  if (err instanceof RedisCoreError) return err;
  // Inside a script Redis words it "… OOM command not allowed …" behind a script prefix.
  if (isOutOfMemoryError(err) || (err instanceof Error && /\bOOM command not allowed\b/.test(err.message))) {
    return new StoreFullError(`${what}: Redis is out of memory, write refused`, { cause: err });
  }
  if (isRedisConnectionError(err)) {
    return new CacheUnavailableError(`${what}: Redis is unavailable (${(err as Error).message})`, {
      cause: err,
    });
  }
  return err;
}

export async function guardRedis<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw mapRedisError(err, what);
  }
}
