import { ConflictError, RedisCoreError } from '@app/redis-core';

/** PostgreSQL cannot be reached or is shutting down: a 503, like Redis being down. */
export class DatabaseUnavailableError extends RedisCoreError {
  constructor(message = 'PostgreSQL is unavailable', options?: { cause?: unknown }) {
    super(message, 'E_DATABASE_UNAVAILABLE', 503, options);
  }
}

// Class 08 (connection exception), 57P01-57P03 (shutdown, crash recovery, cannot connect now),
// 53300 (too many connections), and the client's own socket/timeout failures.
const unavailableCodes = /^(08|57P0[1-3]|53300)/;
const unavailableMessages =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|Connection terminated|timeout exceeded|Query read timeout|connection.*(closed|ended)|Client has encountered a connection error/i;

export function isDatabaseConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = String((err as { code?: unknown }).code ?? '');
  return unavailableCodes.test(code) || unavailableMessages.test(`${code} ${err.message}`);
}

/** One mapping from pg's errors to the package's coded errors; ours pass through. */
export function mapDatabaseError(err: unknown, what: string): unknown {
  if (err instanceof RedisCoreError) return err;
  if (isDatabaseConnectionError(err)) {
    return new DatabaseUnavailableError(`${what}: PostgreSQL is unavailable (${(err as Error).message})`, {
      cause: err,
    });
  }
  if ((err as { code?: string }).code === '23505')
    return new ConflictError(`${what}: ${(err as Error).message}`);
  return err;
}

export async function guardDatabase<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw mapDatabaseError(err, what);
  }
}
