import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cleanupAll, startTestRedis, type TestRedis } from '@app/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveWebDist } from '../src/features/web/static.js';
import { buildTestApi, type TestApi } from './helpers.js';

let redis: TestRedis;
let api: TestApi;
let dist: string;

beforeAll(async () => {
  dist = mkdtempSync(path.join(tmpdir(), 'web-dist-'));
  mkdirSync(path.join(dist, 'assets'));
  writeFileSync(
    path.join(dist, 'index.html'),
    '<!doctype html><div id="app"></div><script src="/assets/app-1a2b.js"></script>',
  );
  writeFileSync(path.join(dist, 'assets', 'app-1a2b.js'), 'console.log("monitor")');
  redis = await startTestRedis();
  api = await buildTestApi(redis, {}, { seed: false, webDistDir: dist });
});
afterAll(async () => {
  await api?.close();
  await cleanupAll();
  rmSync(dist, { recursive: true, force: true });
});

describe('serving the built monitor (production)', () => {
  it('serves index.html, hashed assets with a long cache, and the SPA fallback outside /api', async () => {
    const index = await request(api.app).get('/').expect(200);
    expect(index.text).toContain('<div id="app">');
    expect(index.headers['cache-control']).toBe('no-cache');
    const asset = await request(api.app).get('/assets/app-1a2b.js').expect(200);
    expect(asset.headers['cache-control']).toMatch(/immutable/);
    const deep = await request(api.app).get('/replication/details').expect(200);
    expect(deep.text).toContain('<div id="app">');
  });

  it('keeps /api JSON: unknown API routes are 404 JSON, not the SPA', async () => {
    const res = await request(api.app).get('/api/unknown').expect(404);
    expect(res.body.code).toBe('E_NOT_FOUND');
    await request(api.app).post('/some/page').expect(404);
    await request(api.app).get('/api/config').expect(200);
  });

  it('finds the dist directory only when it holds an index.html', () => {
    expect(resolveWebDist(dist, '/nowhere')).toBe(dist);
    expect(resolveWebDist(path.join(dist, 'assets'), '/nowhere')).toBeNull();
    expect(resolveWebDist(undefined, path.join(dist, 'missing', 'api'))).toBeNull();
  });
});
