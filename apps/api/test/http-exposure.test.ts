import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { cleanupAll, type RedisServer, startRedis } from '@app/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer, HTTP_SERVER_LIMITS } from '../src/http/http-server.js';
import { buildTestApi, type TestApi } from './helpers.js';

/** What the API exposes beyond its routes: who may scrape /metrics, and its HTTP server limits. */

let redis: RedisServer;
const apis: TestApi[] = [];
async function apiWith(env: Record<string, string>): Promise<TestApi> {
  const api = await buildTestApi(redis, env, { seed: false });
  apis.push(api);
  return api;
}

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const api of apis) await api.close();
  await cleanupAll();
});

const pings = async () =>
  Number(/cmdstat_ping:calls=(\d+)/.exec(await redis.client().info('commandstats'))?.[1] ?? 0);

describe('/metrics', () => {
  it('is served to loopback by default, with no Redis round trip per scrape', async () => {
    const api = await apiWith({});
    await request(api.app).get('/metrics').expect(200); // the writer connects
    const before = await pings();
    for (let i = 0; i < 5; i++) {
      const res = await request(api.app).get('/metrics').expect(200);
      expect(res.text).toMatch(/^redis_up 1$/m);
    }
    expect(await pings()).toBe(before);
  });

  it('outside METRICS_ALLOW it needs METRICS_TOKEN: 403 without, 200 with', async () => {
    const api = await apiWith({ METRICS_ALLOW: '10.0.0.0/8', METRICS_TOKEN: 'scrape-token-123' });
    const refused = await request(api.app).get('/metrics').expect(403);
    expect(refused.body).toMatchObject({ code: 'E_METRICS_FORBIDDEN' });
    await request(api.app).get('/metrics').set('Authorization', 'Bearer wrong').expect(403);
    const ok = await request(api.app)
      .get('/metrics')
      .set('Authorization', 'Bearer scrape-token-123')
      .expect(200);
    expect(ok.text).toMatch(/http_request_duration_seconds/);
  });
});

describe('HTTP server limits', () => {
  it('drops a client that never finishes its headers within headersTimeout (+ the check interval)', async () => {
    const api = await apiWith({});
    const server = createHttpServer(api.app);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const socket = connect(port, '127.0.0.1');
      await once(socket, 'connect');
      const started = performance.now();
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: '); // never ends the headers
      const dripping = setInterval(() => socket.write('a'), 500);
      let answer = '';
      socket.on('data', (d) => (answer += d));
      await once(socket, 'close');
      clearInterval(dripping);
      const ms = performance.now() - started;
      expect(answer).toMatch(/^HTTP\/1.1 408/);
      expect(ms).toBeGreaterThan(HTTP_SERVER_LIMITS.headersTimeoutMs - 100);
      expect(ms).toBeLessThan(
        HTTP_SERVER_LIMITS.headersTimeoutMs + HTTP_SERVER_LIMITS.checkIntervalMs + 1000,
      );
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }, 20_000);

  it('sets the documented timeouts on the server', () => {
    const server = createHttpServer(() => {});
    expect({
      headers: server.headersTimeout,
      request: server.requestTimeout,
      keepAlive: server.keepAliveTimeout,
    }).toEqual({ headers: 10_000, request: 30_000, keepAlive: 5_000 });
  });
});
