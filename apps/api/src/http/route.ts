import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import { compose } from './compose.js';
import { parserFor } from './fast-parse.js';

/**
 * A route is declared once, as data: method, path, zod schemas for its input and answers, and a
 * thin handler. The same declaration mounts the Express route (behind the one validation
 * middleware) and feeds the OpenAPI document, so the docs cannot miss or misdescribe a route.
 */

export type Method = 'get' | 'post' | 'put' | 'delete';

export interface ResponseSpec {
  description: string;
  /** JSON body schema; omit for non-JSON answers and describe `contentType`. */
  schema?: z.ZodType;
  contentType?: string;
}

export interface RouteInput<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
}

export interface RouteSpec<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: Method;
  /** Express syntax (`/api/data/:id`); converted to `{id}` for OpenAPI. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** Needs `Authorization: Bearer $ADMIN_TOKEN`. */
  admin?: boolean;
  /** Not counted by the rate limiter (probes, metrics, docs). */
  unlimited?: boolean;
  request?: { params?: P; query?: Q; body?: B };
  responses: Record<number, ResponseSpec>;
  handler: (input: RouteInput<P, Q, B>, req: Request, res: Response, next: NextFunction) => unknown;
}

// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous list of routes erases their input types.
export type AnyRoute = RouteSpec<any, any, any>;

/** Keeps the schemas' types for the handler while the route is written. */
export function defineRoute<
  P extends z.ZodType = z.ZodUnknown,
  Q extends z.ZodType = z.ZodUnknown,
  B extends z.ZodType = z.ZodUnknown,
>(spec: RouteSpec<P, Q, B>): AnyRoute {
  return spec as AnyRoute;
}

const inputKey = Symbol('validatedInput');

/**
 * The one validation middleware: parses params, query and body with the route's schemas. A
 * failure goes to the error middleware as a ZodError (→ 400 E_VALIDATION). Express 5's
 * `req.query` is read-only, so the parsed values travel on `res.locals`.
 */
export function validate(request: AnyRoute['request']): RequestHandler {
  const params = request?.params ? parserFor(request.params) : undefined;
  const query = request?.query ? parserFor(request.query) : undefined;
  const body = request?.body ? parserFor(request.body) : undefined;
  return (req, res, next) => {
    const parsedParams = params ? params(req.params) : req.params;
    // Without a query schema the query string is not parsed unless the handler reads it
    // (Express 5 parses it again on every read of req.query).
    const input = query
      ? { params: parsedParams, query: query(req.query), body: body ? body(req.body ?? undefined) : req.body }
      : new UncheckedQueryInput(parsedParams, body ? body(req.body ?? undefined) : req.body, req);
    res.locals[inputKey as unknown as string] = input;
    next();
  };
}

/** A route's input when it declares no query schema: `query` is Express' own, read on use. */
class UncheckedQueryInput {
  readonly #req: Request;
  constructor(
    readonly params: unknown,
    readonly body: unknown,
    req: Request,
  ) {
    this.#req = req;
  }
  get query(): unknown {
    return this.#req.query;
  }
}

/**
 * Mounts every route on the router as ONE composed handler: the app's `common` middlewares, then
 * [rate limit], [admin guard], validation and the handler.
 */
export function mountRoutes(
  router: Pick<Router, Method>,
  routes: AnyRoute[],
  guards: { common?: RequestHandler[]; admin: RequestHandler; rateLimit: RequestHandler },
): void {
  for (const route of routes) {
    const chain: RequestHandler[] = [...(guards.common ?? [])];
    if (!route.unlimited) chain.push(guards.rateLimit);
    if (route.admin) chain.push(guards.admin);
    chain.push(validate(route.request));
    chain.push((req, res, next) =>
      route.handler(
        res.locals[inputKey as unknown as string] as RouteInput<z.ZodType, z.ZodType, z.ZodType>,
        req,
        res,
        next,
      ),
    );
    router[route.method](route.path, compose(chain));
  }
}

/** `/api/data/:id` → `/api/data/{id}`. */
export function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** Milliseconds with two decimals, as the seed's `response_time`. */
export function round2(ms: number): number {
  return Math.round(ms * 100) / 100;
}
