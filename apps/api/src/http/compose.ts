import type { NextFunction, RequestHandler } from 'express';

/**
 * Runs middlewares in order as ONE Express handler. Express' router does per-layer work on every
 * `next()` (matching the layer's path, re-parsing the URL, bookkeeping) that a fixed chain does
 * not need: the app's global middlewares and each route's own chain are mounted through this
 * (measured in bench/, HTTP suite; see docs/benchmarks.md).
 *
 * Express semantics are kept: `next(err)`, a thrown error or a rejected promise goes to Express
 * (and its error handler) with the error; `next('route')` / `next('router')` are handed to
 * Express as they are; the last handler's `next()` continues in Express.
 */
export function compose(handlers: RequestHandler[]): RequestHandler {
  if (handlers.length === 1) return handlers[0]!;
  const count = handlers.length;
  return (req, res, out) => {
    let index = 0;
    const next: NextFunction = (err?: unknown) => {
      if (err) {
        out(err);
        return;
      }
      if (index === count) {
        out();
        return;
      }
      const handler = handlers[index++]!;
      try {
        const ret: unknown = handler(req, res, next);
        if (ret instanceof Promise)
          ret.then(undefined, (e: unknown) => out(e ?? new Error('rejected promise')));
      } catch (e) {
        out(e);
      }
    };
    next();
  };
}
