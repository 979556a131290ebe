import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type RequestHandler } from 'express';

/** The built SPA directory to serve, or null: an explicit WEB_DIST_DIR, else apps/web/dist when it was built. */
export function resolveWebDist(explicit: string | undefined, appRoot: string): string | null {
  const dir = explicit ? path.resolve(explicit) : path.resolve(appRoot, '../web/dist');
  return existsSync(path.join(dir, 'index.html')) ? dir : null;
}

/**
 * Serves the SPA: hashed assets cached for a year, index.html never cached, and index.html for
 * any other GET outside /api so client-side routes survive a reload.
 */
export function webApp(dir: string): RequestHandler[] {
  const index = path.join(dir, 'index.html');
  const assets = express.static(dir, {
    index: false,
    setHeaders: (res, file) => {
      const immutable = file.includes(`${path.sep}assets${path.sep}`);
      res.setHeader('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const fallback: RequestHandler = (req, res, next) => {
    if (
      (req.method !== 'GET' && req.method !== 'HEAD') ||
      req.path === '/api' ||
      req.path.startsWith('/api/')
    ) {
      next();
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  };
  return [assets, fallback];
}
