import type { ChainableCommander } from 'ioredis';
import {
  CacheUnavailableError,
  isOutOfMemoryError,
  isRedisConnectionError,
  RedisCoreError,
  StoreFullError,
} from './errors.js';

/** Runs a pipeline and returns its replies; throws the first command error (pipelines report them per command). */
export async function execPipeline(pipeline: ChainableCommander): Promise<unknown[]> {
  const replies = await pipeline.exec();
  if (!replies) throw new Error('pipeline was discarded');
  return replies.map(([err, reply]) => {
    if (err) throw err;
    return reply;
  });
}

/** Maps "Redis is unreachable" to CacheUnavailableError (503); other errors pass through. */
export function toUnavailable(err: unknown, what: string): unknown {
  if (err instanceof RedisCoreError) return err;
  if (isRedisConnectionError(err)) {
    return new CacheUnavailableError(`${what}: Redis is unavailable (${(err as Error).message})`, {
      cause: err,
    });
  }
  return err;
}

export async function guarded<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw toUnavailable(err, what);
  }
}

/**
 * After a connection failure the read path skips Redis for a short while, so a dead server
 * costs each request nothing instead of a command timeout; the first request after the
 * break tries Redis again.
 */
export class CircuitBreaker {
  readonly breakMs: number;
  #openUntil = 0;

  constructor(breakMs: number) {
    this.breakMs = breakMs;
  }

  get isOpen(): boolean {
    return Date.now() < this.#openUntil;
  }

  trip(): void {
    this.#openUntil = Date.now() + this.breakMs;
  }

  reset(): void {
    this.#openUntil = 0;
  }
}

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
