import { cleanupAll, startTestRedis, type TestRedis } from '@app/testing';
import { Validator } from '@seriousme/openapi-schema-validator';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, type TestApi } from './helpers.js';

let redis: TestRedis;
let api: TestApi;

beforeAll(async () => {
  redis = await startTestRedis();
  api = await buildTestApi(redis, {}, { seed: false });
});
afterAll(async () => {
  await api?.close();
  await cleanupAll();
});

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every `METHOD path` Express actually routes, read from the app's router stack. */
function mountedRoutes(stack: Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      return Object.keys(layer.route.methods)
        .filter((m) => m !== '_all')
        .map((m) => `${m.toUpperCase()} ${layer.route?.path}`);
    }
    return layer.handle?.stack ? mountedRoutes(layer.handle.stack) : [];
  });
}

describe('OpenAPI document', () => {
  it('lists exactly the routes the app mounts', async () => {
    const doc = (await request(api.app).get('/api/openapi.json').expect(200)).body;
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`),
    );
    const router = (api.app as unknown as { router: { stack: Layer[] } }).router;
    const mounted = mountedRoutes(router.stack);
    expect(mounted.length).toBeGreaterThanOrEqual(33);
    expect(new Set(documented)).toEqual(new Set(mounted));

    // And every route of docs/http-api.md is among them.
    for (const route of [
      'GET /api/data/:id',
      'GET /api/stats',
      'POST /api/db/add',
      'GET /api/db/list',
      'GET /api/db/product/:id',
      'GET /api/db/category/:category',
      'GET /api/db/products/by-price',
      'PUT /api/db/product/:id',
      'DELETE /api/db/product/:id',
      'GET /api/db/search',
      'GET /api/db/products',
      'GET /api/stats/series',
      'DELETE /api/data/:id',
      'GET /api/cache/keys',
      'GET /api/cache/key',
      'DELETE /api/cache/key',
      'DELETE /api/cache/prefix',
      'GET /api/history',
      'GET /api/replication',
      'POST /api/replication/probe',
      'POST /api/jobs/warm-all',
      'POST /api/jobs/warm-category',
      'POST /api/jobs/warm-top',
      'POST /api/jobs/refresh',
      'GET /api/jobs',
      'GET /api/config',
      'GET /api/stream',
      'GET /healthz',
      'GET /readyz',
      'GET /metrics',
      'GET /api/openapi.json',
      'GET /api/docs',
    ]) {
      expect(documented).toContain(route);
    }
  });

  it('is a valid OpenAPI 3 document, with schemas from the validation and admin routes secured', async () => {
    const doc = (await request(api.app).get('/api/openapi.json').expect(200)).body;
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toBeTruthy();

    const getData = doc.paths['/api/data/{id}'].get;
    expect(getData.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path', required: true })]),
    );
    expect(getData.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/DataResponse',
    });
    expect(doc.components.schemas.DataResponse.required).toEqual(
      expect.arrayContaining(['data', 'source', 'response_time', 'origin_delay_ms']),
    );
    const add = doc.paths['/api/db/add'].post;
    expect(add.security).toEqual([{ adminToken: [] }]);
    expect(add.requestBody.required).toBe(true);
    expect(doc.components.securitySchemes.adminToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    const warmTop = doc.paths['/api/jobs/warm-top'].post.requestBody.content['application/json'].schema;
    expect(JSON.stringify(warmTop)).toMatch(/"n"/);
    expect(doc.paths['/api/db/products'].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual([
      'category',
      'cursor',
      'limit',
      'max',
      'min',
      'sort',
    ]);
  });

  it('serves the interactive page and its assets locally (no CDN)', async () => {
    const redirect = await request(api.app).get('/api/docs').expect(301);
    expect(redirect.headers.location).toBe('/api/docs/');
    const page = await request(api.app).get('/api/docs/').expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toMatch(/swagger-ui/);
    expect(page.text).not.toMatch(/https?:\/\/(unpkg|cdn)/);
    const css = await request(api.app).get('/api/docs/swagger-ui.css').expect(200);
    expect(css.headers['content-type']).toMatch(/text\/css/);
    await request(api.app).get('/api/docs/swagger-ui-bundle.js').expect(200);
    const init = await request(api.app).get('/api/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toContain('/api/openapi.json');
  });
});
