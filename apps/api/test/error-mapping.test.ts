import {
  CacheUnavailableError,
  ConflictError,
  InvalidIdError,
  LoaderError,
  NotFoundError,
  StoreFullError,
  ValidationError,
} from '@app/redis-core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../src/http/app-error.js';
import { mapError } from '../src/http/error-handler.js';

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
/** What ioredis rejects with when Redis answers a command with an error reply. */
const reply = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });

describe('mapError: one mapping for every error', () => {
  it.each([
    [new InvalidIdError('invalid id'), 400, 'E_INVALID_ID'],
    [new ValidationError('bad'), 400, 'E_VALIDATION'],
    [new NotFoundError('gone'), 404, 'E_NOT_FOUND'],
    [new ConflictError('exists'), 409, 'E_CONFLICT'],
    [new AppError(429, 'E_RATE_LIMITED', 'slow down'), 429, 'E_RATE_LIMITED'],
    [new CacheUnavailableError(), 503, 'E_REDIS_UNAVAILABLE'],
    [new LoaderError('origin failed', { cause: refused }), 503, 'E_REDIS_UNAVAILABLE'],
    [refused, 503, 'E_REDIS_UNAVAILABLE'],
    [new Error('Command timed out'), 503, 'E_REDIS_UNAVAILABLE'],
    [new StoreFullError(), 503, 'E_STORE_FULL'],
    [new Error("OOM command not allowed when used memory > 'maxmemory'."), 503, 'E_STORE_FULL'],
    [new LoaderError('origin threw'), 502, 'E_LOADER'],
    [
      Object.assign(new Error('too big'), { type: 'entity.too.large', status: 413 }),
      413,
      'E_PAYLOAD_TOO_LARGE',
    ],
    [
      Object.assign(new SyntaxError('Unexpected end'), { type: 'entity.parse.failed', status: 400 }),
      400,
      'E_BAD_JSON',
    ],
    [Object.assign(new URIError('URI malformed'), { status: 400 }), 400, 'E_BAD_REQUEST'],
    [reply("NOPERM User app has no permissions to access the 'foo' key"), 403, 'E_REDIS_NOPERM'],
    [
      reply('ERR Error running script: @user_script:1: NOPERM this user has no permissions'),
      403,
      'E_REDIS_NOPERM',
    ],
    [reply('WRONGTYPE Operation against a key holding the wrong kind of value'), 409, 'E_WRONG_TYPE'],
    [reply('ERR invalid cursor'), 503, 'E_REDIS_REFUSED'],
    [reply('BUSY Redis is busy running a script'), 503, 'E_REDIS_REFUSED'],
    [new LoaderError('origin failed', { cause: reply('NOPERM no permissions') }), 403, 'E_REDIS_NOPERM'],
    [reply('LOADING Redis is loading the dataset in memory'), 503, 'E_REDIS_UNAVAILABLE'],
  ])('%s → %i %s', (err, status, code) => {
    const mapped = mapError(err);
    expect(mapped.status).toBe(status);
    expect(mapped.body.code).toBe(code);
    expect(mapped.body.error.length).toBeGreaterThan(0);
  });

  it('turns a zod error into 400 E_VALIDATION naming the field', () => {
    const parsed = z.object({ id: z.string() }).safeParse({});
    const mapped = mapError(parsed.error);
    expect(mapped.status).toBe(400);
    expect(mapped.body.code).toBe('E_VALIDATION');
    expect(mapped.body.error).toMatch(/^invalid request: id:/);
    expect(mapped.body.issues?.[0]?.path).toEqual(['id']);
  });

  it('answers unknown errors with 500 E_INTERNAL and nothing of the error', () => {
    const err = new TypeError("Cannot read properties of undefined (reading 'secret')");
    const mapped = mapError(err);
    expect(mapped).toEqual({ status: 500, body: { error: 'internal error', code: 'E_INTERNAL' } });
  });

  it('sends Retry-After with a 503 for Redis being down', () => {
    expect(mapError(refused).headers).toEqual({ 'Retry-After': '1' });
  });
});
