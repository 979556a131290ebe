import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from './app-error.js';
import { clientAddress } from './client-address.js';

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

/** While Redis is slow, how often a background PING checks whether it answers again. */
const SLOW_REDIS_PROBE_MS = 500;

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

  // After Redis was too slow once (hung server), the in-memory limiter decides alone until a
  // background PING answers again: otherwise every request of an outage would wait `timeoutMs`
  // here before its route waits for Redis again, and answers would outlast the command timeout.
  let redisSlow = false;
  let probing = false;
  const probeRedis = () => {
    if (probing) return;
    probing = true;
    const ping = (opts.client as { ping(): Promise<unknown> }).ping();
    const timer = new Promise((_, reject) => setTimeout(reject, opts.timeoutMs).unref());
    Promise.race([ping, timer])
      .then(() => {
        redisSlow = false;
      })
      .catch(() => undefined)
      .finally(() => {
        ping.catch(() => undefined);
        // At most one probe per interval, however many requests arrive.
        setTimeout(() => {
          probing = false;
        }, SLOW_REDIS_PROBE_MS).unref();
      });
  };
  const consume = async (subject: string): Promise<RateLimiterRes> => {
    if (redisSlow) {
      probeRedis();
      return insurance.consume(subject);
    }
    let timer: NodeJS.Timeout | undefined;
    const slowRedis = new Promise<RateLimiterRes>((resolve, reject) => {
      timer = setTimeout(() => {
        redisSlow = true;
        insurance.consume(subject).then(resolve, reject);
      }, opts.timeoutMs);
    });
    try {
      return await Promise.race([limiter.consume(subject), slowRedis]);
    } finally {
      clearTimeout(timer);
    }
  };

  return async (req, res, next) => {
    const subject = clientAddress(req);
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
