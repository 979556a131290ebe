import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from './app-error.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * Guards writes and destructive operations with `Authorization: Bearer $ADMIN_TOKEN`. Both
 * sides are hashed first so the comparison is constant-time whatever the lengths. Without a
 * configured token the admin routes are closed, never open.
 */
export function adminGuard(token: string | undefined): RequestHandler {
  const expected = token ? sha256(token) : null;
  return (req, _res, next) => {
    if (expected === null) {
      throw new AppError(401, 'E_ADMIN_DISABLED', 'admin routes are disabled: set ADMIN_TOKEN on the server');
    }
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1] || !timingSafeEqual(sha256(match[1]), expected)) {
      throw new AppError(
        401,
        'E_UNAUTHORIZED',
        'missing or wrong admin token (Authorization: Bearer <ADMIN_TOKEN>)',
        {
          headers: { 'WWW-Authenticate': 'Bearer realm="admin"' },
        },
      );
    }
    next();
  };
}
