/**
 * The API's own errors (auth, rate limit, payload): one class with a stable `code` and the HTTP
 * status, mapped by the single error middleware exactly like @app/redis-core's errors.
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  /** Extra response headers (e.g. Retry-After on 429). */
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    opts: { cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.headers = opts.headers ?? {};
  }
}

export const notFound = (message: string) => new AppError(404, 'E_NOT_FOUND', message);
