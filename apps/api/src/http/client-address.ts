import type { Request } from 'express';

/**
 * Who a request comes from, for every per-client bound (rate limit, event streams, cache fills,
 * top-search votes): Express' req.ip, so TRUST_PROXY decides whether a proxy's X-Forwarded-For
 * is believed; the socket's peer when Express has none.
 */
export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
