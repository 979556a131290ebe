import type { StreamErrorPayload } from '@app/api-types';
import { ApiError } from '../api/client.js';

type Translate = (key: string, params?: Record<string, unknown>) => string;

const KNOWN = new Set([
  'E_NETWORK',
  'E_BAD_RESPONSE',
  'E_UNAUTHORIZED',
  'E_ADMIN_DISABLED',
  'E_NOT_FOUND',
  'E_INVALID_ID',
  'E_RATE_LIMITED',
  'E_CACHE_UNAVAILABLE',
  'E_REDIS_UNAVAILABLE',
  'E_REDIS_NOPERM',
  'E_REDIS_REFUSED',
]);

/** A sentence for an API error in the current language; the server's message otherwise. */
export function describeError(t: Translate, error: ApiError | StreamErrorPayload | null): string {
  if (!error) return '';
  const code = error instanceof ApiError ? error.code : error.code;
  const message = error instanceof ApiError ? error.message : error.error;
  if (KNOWN.has(code)) {
    return t(`errors.${code}`, {
      status: error instanceof ApiError ? error.status : '',
      s: error instanceof ApiError ? (error.retryAfterSeconds ?? 1) : 1,
    });
  }
  return t('errors.generic', { message });
}
