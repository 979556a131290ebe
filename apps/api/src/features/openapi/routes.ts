import type { Request, RequestHandler, Response } from 'express';
import swaggerUi from 'swagger-ui-express';
import { type AnyRoute, defineRoute } from '../../http/route.js';
import { buildOpenApiDocument, type OpenApiDocument } from './document.js';

export const DOCS_PATH = '/api/docs';
export const OPENAPI_PATH = '/api/openapi.json';

/**
 * The document route and the Swagger UI page. Swagger UI's assets are served from the
 * installed swagger-ui-dist (no CDN); the page loads the document from OPENAPI_PATH.
 * `allRoutes` is read lazily so the document includes these two routes as well.
 */
export function openApiRoutes(
  allRoutes: () => AnyRoute[],
  version: string,
): { routes: AnyRoute[]; assets: RequestHandler[] } {
  let doc: OpenApiDocument | undefined;
  const page = swaggerUi.setup(undefined, { swaggerUrl: OPENAPI_PATH, customSiteTitle: 'Redis cache API' });

  const routes = [
    defineRoute({
      method: 'get',
      path: OPENAPI_PATH,
      tag: 'docs',
      unlimited: true,
      summary: 'This OpenAPI 3 document',
      responses: { 200: { description: 'OpenAPI document', contentType: 'application/json' } },
      handler: (_input, _req, res) => {
        doc ??= buildOpenApiDocument(allRoutes(), { version });
        res.json(doc);
      },
    }),
    defineRoute({
      method: 'get',
      path: DOCS_PATH,
      tag: 'docs',
      unlimited: true,
      summary: 'Interactive documentation (Swagger UI)',
      responses: { 200: { description: 'HTML page', contentType: 'text/html' } },
      handler: (_input, req: Request, res: Response, next) => {
        // The page links its assets relatively (./swagger-ui.css): it must be served under a trailing slash.
        if (!req.originalUrl.split('?')[0]?.endsWith('/')) {
          res.redirect(301, `${DOCS_PATH}/`);
          return;
        }
        page(req, res, next);
      },
    }),
  ];
  return { routes, assets: swaggerUi.serveFiles(undefined, { swaggerUrl: OPENAPI_PATH }) };
}
