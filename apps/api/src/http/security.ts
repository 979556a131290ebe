import cors from 'cors';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Security headers. The CSP allows only the app's own origin for scripts, which covers the
 * built SPA and the locally served Swagger UI (its init script is a file, not inline). Inline
 * styles are allowed because Swagger UI's page and Vue transitions set style attributes.
 * `upgrade-insecure-requests` is dropped: the API is often reached over plain HTTP on a LAN.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
  });
}

/**
 * CORS only for the listed origins; with none configured no CORS headers are sent, so browsers
 * keep same-origin behaviour. Never `*`: admin calls carry a bearer token.
 */
export function corsPolicy(origins: string[]): RequestHandler {
  const allowed = new Set(origins.filter((o) => o !== '*'));
  return cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['Content-Type', 'Authorization', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining'],
    maxAge: 600,
  });
}
