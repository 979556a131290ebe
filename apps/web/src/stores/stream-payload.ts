import type { StreamErrorPayload } from '@app/api-types';

/** SSE payloads are either the route's answer or `{error, code}` when computing it failed. */
export function isStreamError(payload: unknown): payload is StreamErrorPayload {
  return (
    typeof payload === 'object' &&
    payload !== null &&
    typeof (payload as StreamErrorPayload).error === 'string' &&
    typeof (payload as StreamErrorPayload).code === 'string'
  );
}

export const REDIS_DOWN_CODES = new Set(['E_CACHE_UNAVAILABLE', 'E_REDIS_UNAVAILABLE', 'E_STORE_FULL']);
