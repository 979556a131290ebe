import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from './app-error.js';

export interface RateLimitOptions {
  /** The writer client: counters are shared by every API instance. */
  client: unknown;
  /** Key prefix without the trailing ':' (keys.rateLimitPrefix). */
  keyPrefix: string;
  perMinute: number;
  /** How long to wait for Redis before deciding from the in-memory limiter. */
  timeoutMs: number;
  logger: Logger;
}

const PASS: RequestHandler = (_req, _res, next) => next();

/**
 * Per-client-IP limit kept in Redis. Redis trouble must neither block nor slow requests: a
 * client that is not connected goes straight to the in-memory insurance limiter, and a Redis
 * call slower than `timeoutMs` (paused server) is decided by the insurance limiter too.
 */
export function rateLimit(opts: RateLimitOptions): RequestHandler {
  if (opts.perMinute <= 0) return PASS;
  const insurance = new RateLimiterMemory({ points: opts.perMinute, duration: 60 });
  const limiter = new RateLimiterRedis({
    storeClient: opts.client,
    keyPrefix: opts.keyPrefix,
    points: opts.perMinute,
    duration: 60,
    insuranceLimiter: insurance,
    rejectIfRedisNotReady: true,
  });

  const consume = async (subject: string): Promise<RateLimiterRes> => {
    let timer: NodeJS.Timeout | undefined;
    const slowRedis = new Promise<RateLimiterRes>((resolve, reject) => {
      timer = setTimeout(() => insurance.consume(subject).then(resolve, reject), opts.timeoutMs);
    });
    try {
      return await Promise.race([limiter.consume(subject), slowRedis]);
    } finally {
      clearTimeout(timer);
    }
  };

  return async (req, res, next) => {
    const subject = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    let outcome: RateLimiterRes;
    try {
      outcome = await consume(subject);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) {
        // Neither store answered: fail open rather than refuse service.
        opts.logger.warn({ err }, 'rate limiter unavailable, request allowed');
        next();
        return;
      }
      const retryAfter = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      res.setHeader('RateLimit-Limit', String(opts.perMinute));
      res.setHeader('RateLimit-Remaining', '0');
      throw new AppError(429, 'E_RATE_LIMITED', `too many requests: limit is ${opts.perMinute} per minute`, {
        headers: { 'Retry-After': String(retryAfter) },
      });
    }
    res.setHeader('RateLimit-Limit', String(opts.perMinute));
    res.setHeader('RateLimit-Remaining', String(outcome.remainingPoints));
    next();
  };
}
