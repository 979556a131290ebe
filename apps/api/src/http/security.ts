import cors from 'cors';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { deferHeaders } from './deferred-headers.js';

/**
 * Security headers, two sets chosen by path:
 * - pages (the SPA, Swagger UI, anything not under `isData`): helmet's full policy. The CSP
 *   allows only the app's own origin for scripts, which covers the built SPA and the locally
 *   served Swagger UI (its init script is a file, not inline). Inline styles are allowed because
 *   Swagger UI's page and Vue transitions set style attributes. `upgrade-insecure-requests` is
 *   dropped: the API is often reached over plain HTTP on a LAN.
 * - data (JSON under /api/, probes, metrics): OWASP's REST API set (see DATA_HEADERS).
 */
export function securityHeaders(opts: { isData(url: string): boolean }): RequestHandler {
  const page = precompute(helmetPolicy());
  // Data answers are the bulk: their headers are written with the head (deferred-headers.ts).
  const data = [...dataHeaders(page)].flat();
  return (req, res, next) => {
    if (opts.isData(req.url)) deferHeaders(res, data);
    else res.setHeaders(page);
    res.removeHeader('X-Powered-By');
    next();
  };
}

/**
 * The headers of an answer that is never rendered as a page (OWASP REST Security Cheat Sheet):
 * a JSON or text body runs no script and loads nothing, so the page policy's directives have
 * nothing to apply to; `default-src 'none'` forbids everything should a browser render one anyway
 * and `frame-ancestors 'none'` / `X-Frame-Options: DENY` forbid framing it. HSTS and the resource
 * policy are the page set's own. Six headers instead of thirteen: about 600 bytes less on every
 * API answer (bench/, HTTP suite).
 */
export function dataHeaders(page: Map<string, string>): Map<string, string> {
  const fromPage = (name: string) => {
    const value = page.get(name);
    if (value === undefined) throw new Error(`helmet no longer sets ${name}`);
    return value;
  };
  return new Map([
    ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
    ['Cross-Origin-Resource-Policy', fromPage('Cross-Origin-Resource-Policy')],
    ['Referrer-Policy', 'no-referrer'],
    ['Strict-Transport-Security', fromPage('Strict-Transport-Security')],
    ['X-Content-Type-Options', 'nosniff'],
    ['X-Frame-Options', 'DENY'],
  ]);
}

/**
 * Helmet with this policy sets the same headers on every response (no nonces, nothing read from
 * the request), so it runs once here against a recording response and each request gets the
 * recorded set in one call instead of helmet's chain of 13 middlewares.
 */
function precompute(middleware: RequestHandler): Map<string, string> {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader(name: string, value: unknown) {
      headers.set(name, String(value));
    },
    removeHeader(name: string) {
      headers.delete(name);
    },
  };
  let done = false;
  middleware(
    {} as Parameters<RequestHandler>[0],
    recorder as unknown as Parameters<RequestHandler>[1],
    (err?: unknown) => {
      if (err) throw err;
      done = true;
    },
  );
  if (!done) throw new Error('helmet did not complete synchronously');
  return headers;
}

/** The policy as helmet applies it (precomputed by securityHeaders; exported for its test). */
export function helmetPolicy(): RequestHandler {
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
  const policy = cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['Content-Type', 'Authorization', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining'],
    maxAge: 600,
  });
  // cors() sends no header at all for a request whose origin is absent or not allowed (and
  // lets a preflight through to 404): decided here without its per-request option merging.
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin === undefined || !allowed.has(origin)) {
      next();
      return;
    }
    policy(req, res, next);
  };
}
