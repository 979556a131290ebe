import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { cleanupAll, startRedis, waitUntil } from '@app/testing';
import express from 'express';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createStreamHub } from '../src/features/stream/stream-hub.js';
import { buildTestApi, sleep, type TestApi } from './helpers.js';

/**
 * Event streams are bounded per client address and in total (429 + Retry-After beyond), the
 * API stays responsive while one client floods stream opens, and a client that stops reading
 * is dropped. Distinct client addresses are real: Linux routes all of 127.0.0.0/8 to loopback,
 * so a request bound to 127.0.0.2 comes from another address.
 */

let api: TestApi;
let server: Server;
let base: { port: number };
const open: IncomingMessage[] = [];

function openStream(localAddress = '127.0.0.1'): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port: base.port, path: '/api/stream', localAddress }, (res) => {
      open.push(res);
      resolve(res);
    });
    req.on('error', reject);
  });
}

async function bodyOf(res: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of res) text += chunk;
  return JSON.parse(text);
}

beforeAll(async () => {
  const redis = await startRedis();
  api = await buildTestApi(redis, { STREAM_MAX_PER_CLIENT: '3', STREAM_MAX_TOTAL: '5' });
  server = api.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = server.address() as AddressInfo;
});
afterEach(async () => {
  for (const res of open.splice(0)) res.destroy();
  await waitUntil(async () => api.app.streamClients() === 0, 5000);
});
afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await api?.close();
  await cleanupAll();
});

describe('event stream bounds', () => {
  it('one client gets STREAM_MAX_PER_CLIENT streams; the next ones are 429 with Retry-After', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, () => openStream()));
    const accepted = answers.filter((r) => r.statusCode === 200);
    const refused = answers.filter((r) => r.statusCode === 429);
    expect(accepted).toHaveLength(3);
    expect(refused).toHaveLength(37);
    expect(refused.every((r) => Number(r.headers['retry-after']) >= 1)).toBe(true);
    expect(await bodyOf(refused[0] as IncomingMessage)).toMatchObject({ code: 'E_TOO_MANY_STREAMS' });
    expect(api.app.streamClients()).toBe(3);

    // A slot frees when a stream ends.
    accepted[0]?.destroy();
    await waitUntil(async () => api.app.streamClients() === 2, 5000);
    expect((await openStream()).statusCode).toBe(200);
  });

  it('STREAM_MAX_TOTAL bounds every client together', async () => {
    const statuses: number[] = [];
    for (const address of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) {
      for (let i = 0; i < 2; i++) statuses.push((await openStream(address)).statusCode ?? 0);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(api.app.streamClients()).toBe(5);
  });

  it('/healthz answers within 1 s while one client floods stream opens', async () => {
    // The flood comes from another process, as a hostile client would: the API's event loop
    // serves it, not the test's own requests.
    const flood = spawn(
      process.execPath,
      [
        '-e',
        `const http = require('node:http');
         let done = 0, accepted = 0;
         for (let i = 0; i < 400; i++) {
           http.get({ host: '127.0.0.1', port: ${base.port}, path: '/api/stream' }, (res) => {
             if (res.statusCode === 200) accepted++;
             res.resume();
             if (++done === 400) process.stdout.write(String(accepted));
           }).on('error', () => { if (++done === 400) process.stdout.write(String(accepted)); });
         }`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    flood.stdout.on('data', (d) => (out += d));
    const health: number[] = [];
    const idle: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      await fetch(`http://127.0.0.1:${base.port}/healthz`);
      idle.push(performance.now() - started);
    }
    const until = Date.now() + 3000;
    while (out === '' && Date.now() < until) {
      const started = performance.now();
      const res = await fetch(`http://127.0.0.1:${base.port}/healthz`);
      expect(res.status).toBe(200);
      health.push(performance.now() - started);
      await sleep(20);
    }
    await waitUntil(async () => out !== '', 20_000, 'the flood never finished');
    flood.kill();
    expect(Number(out)).toBeLessThanOrEqual(3);
    expect(health.length).toBeGreaterThan(0);
    // The samples go with a failure: an idle /healthz as slow as the flood's means a loaded machine.
    const samples = JSON.stringify({ idle: idle.map(Math.round), flood: health.map(Math.round) });
    expect(Math.max(...health), samples).toBeLessThan(1000);
  });
});

describe('clients that stop reading', () => {
  let hubServer: Server | undefined;
  afterAll(() => hubServer?.close());

  it('a client that never reads is dropped once its unsent buffer passes the bound', async () => {
    // A fast, heavy source so the socket fills in milliseconds instead of hours of 1 s ticks.
    const payload = 'x'.repeat(64 * 1024);
    const hub = createStreamHub({
      sources: { big: async () => payload },
      logger: pino({ level: 'silent' }),
      sourceTimeoutMs: 500,
      intervalMs: 5,
      maxBufferedBytes: 256 * 1024,
      maxPerClient: 4,
      maxTotal: 10,
    });
    const app = express();
    app.get('/api/stream', (req, res) => hub.handle(req, res));
    hubServer = app.listen(0, '127.0.0.1');
    await once(hubServer, 'listening');
    const { port } = hubServer.address() as AddressInfo;
    // A raw socket that sends a request and then never reads a byte.
    const socket: Socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET /api/stream HTTP/1.1\r\nHost: x\r\n\r\n');
    socket.pause();
    await waitUntil(async () => hub.clientCount() === 1, 2000);
    await waitUntil(async () => hub.clientCount() === 0, 20_000, 'the stalled client was never dropped');
    expect(hub.dropped().slow + hub.dropped().stalled).toBe(1);
    socket.destroy();
    hub.close();
  });
});

describe('a source refreshed between ticks', () => {
  it('is sent at once, and a computation that started before it and ends after it is not sent', async () => {
    // Ticks a minute apart: within this test only refresh() can send anything after the first tick.
    let n = 0;
    let releaseFirst: () => void = () => {};
    let firstReturned = false;
    const hub = createStreamHub({
      sources: {
        n: async () => {
          const value = ++n;
          if (value === 1) {
            await new Promise<void>((resolve) => {
              releaseFirst = resolve;
            });
            firstReturned = true;
          }
          return value;
        },
      },
      logger: pino({ level: 'silent' }),
      sourceTimeoutMs: 10_000,
      intervalMs: 60_000,
      maxPerClient: 4,
      maxTotal: 10,
    });
    const app = express();
    app.get('/api/stream', (req, res) => hub.handle(req, res));
    const hubServer = app.listen(0, '127.0.0.1');
    await once(hubServer, 'listening');
    const { port } = hubServer.address() as AddressInfo;
    const abort = new AbortController();
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/stream`, { signal: abort.signal });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let text = '';
      const values = () => [...text.matchAll(/^event: n\ndata: (\d+)$/gm)].map((m) => Number(m[1]));
      const until = async (want: number[]) => {
        while (values().length < want.length) {
          const { value, done } = await reader.read();
          if (done) break;
          text += decoder.decode(value, { stream: true });
        }
        expect(values()).toEqual(want);
      };
      // The first tick (on connect) waits in its source; a refresh meanwhile is sent at once.
      await waitUntil(async () => n === 1, 2000);
      hub.refresh('n');
      await until([2]);
      // The first tick's older value comes back after the refresh's: it must not follow it.
      releaseFirst();
      await waitUntil(async () => firstReturned, 2000);
      await sleep(50);
      hub.refresh('n');
      await until([2, 3]);
    } finally {
      abort.abort();
      hub.close();
      hubServer.closeAllConnections();
      hubServer.close();
    }
  });
});
