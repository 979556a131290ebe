import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { AppError } from './app-error.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest();
const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Whether a request carries `Authorization: Bearer <token>`. Both sides are hashed first so the
 * comparison is constant-time whatever the lengths. Without a token (undefined or empty) nothing
 * matches: a route guarded by it is closed, never open.
 */
export function bearerCheck(token: string | undefined): (req: Request) => boolean {
  const expected = token ? sha256(token) : null;
  return (req) => {
    if (expected === null) return false;
    const match = BEARER.exec(req.get('authorization') ?? '');
    return Boolean(match?.[1]) && timingSafeEqual(sha256(match?.[1] as string), expected);
  };
}

/**
 * The 401 of a caller without the right admin token, for `what` (a route, a key space). Without a
 * configured token the answer says the admin side is disabled: no token could open it.
 */
export function adminRequired(what: string, adminConfigured: boolean): AppError {
  if (!adminConfigured) {
    return new AppError(401, 'E_ADMIN_DISABLED', `${what}: admin is disabled, set ADMIN_TOKEN on the server`);
  }
  return new AppError(
    401,
    'E_UNAUTHORIZED',
    `${what}: missing or wrong admin token (Authorization: Bearer <ADMIN_TOKEN>)`,
    { headers: { 'WWW-Authenticate': 'Bearer realm="admin"' } },
  );
}

/**
 * Guards writes and destructive operations with `Authorization: Bearer $ADMIN_TOKEN`. Without a
 * configured token the admin routes are closed, never open.
 */
export function adminGuard(token: string | undefined): RequestHandler {
  const isAdmin = bearerCheck(token);
  return (req, _res, next) => {
    if (!isAdmin(req)) throw adminRequired('admin route', Boolean(token));
    next();
  };
}
