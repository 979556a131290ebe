import {
  OpenAPIRegistry,
  OpenApiGeneratorV3,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import type { AnyRoute } from '../../http/route.js';
import { toOpenApiPath } from '../../http/route.js';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV3['generateDocument']>;

/**
 * The OpenAPI 3 document, generated from the route declarations themselves: the zod schemas
 * that validate each request are the ones documented, and every mounted route is listed.
 */
export function buildOpenApiDocument(routes: AnyRoute[], info: { version: string }): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'ADMIN_TOKEN of the server',
  });

  for (const route of routes) {
    const responses: Record<string, ResponseConfig> = {};
    for (const [status, spec] of Object.entries(route.responses)) {
      responses[status] = {
        description: spec.description,
        ...(spec.schema
          ? { content: { 'application/json': { schema: spec.schema } } }
          : spec.contentType
            ? { content: { [spec.contentType]: { schema: { type: 'string' } } } }
            : {}),
      };
    }
    const body = route.request?.body;
    const config: RouteConfig = {
      method: route.method,
      path: toOpenApiPath(route.path),
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      ...(route.admin ? { security: [{ [bearer.name]: [] }] } : {}),
      request: {
        ...(route.request?.params ? { params: route.request.params } : {}),
        ...(route.request?.query ? { query: route.request.query } : {}),
        ...(body
          ? {
              body: {
                required: !body.safeParse(undefined).success,
                content: { 'application/json': { schema: body } },
              },
            }
          : {}),
      },
      responses,
    };
    registry.registerPath(config);
  }

  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'Redis distributed cache API',
      version: info.version,
      description:
        'Cache-aside reads over a product catalog stored in Redis, replication status, cache warming jobs and live stats. Errors are always `{error, code}`.',
    },
    tags: [
      { name: 'cache', description: 'Cache-aside reads, key browser, invalidation' },
      { name: 'catalog', description: 'The product database (Redis, persistent)' },
      { name: 'stats', description: 'Hit ratio and latencies' },
      { name: 'history', description: 'Recent and top lookups' },
      { name: 'replication', description: 'Master/replica health and probe' },
      { name: 'jobs', description: 'BullMQ cache warming and TTL refresh' },
      { name: 'stream', description: 'Server-sent events' },
      { name: 'health', description: 'Liveness, readiness, metrics, configuration' },
      { name: 'docs', description: 'This document' },
    ],
  });
}
