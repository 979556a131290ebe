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
  return (req, res, out) => chainStep(handlers, req, res, out)();
}

/**
 * A function passed through as an argument: JavaScript gives it no name. The TypeScript runner
 * (tsx, with esbuild's keepNames) names every function that a declaration would name with an
 * `Object.defineProperty` call when the function is created; on a per-request closure that cost
 * about 2.5 µs of CPU per request (HTTP benchmark's profile).
 */
const unnamed = <T>(fn: T): T => fn;

/** The `next` of one request through `handlers`. */
function chainStep(
  handlers: RequestHandler[],
  req: Parameters<RequestHandler>[0],
  res: Parameters<RequestHandler>[1],
  out: NextFunction,
): NextFunction {
  let index = 0;
  const count = handlers.length;
  const step: NextFunction = unnamed((err?: unknown): void => {
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
      const ret: unknown = handler(req, res, step);
      if (ret instanceof Promise)
        ret.then(undefined, (e: unknown) => out(e ?? new Error('rejected promise')));
    } catch (e) {
      out(e);
    }
  });
  return step;
}
