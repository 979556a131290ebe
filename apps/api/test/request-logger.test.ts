import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { accessLevel, requestLogger, SLOW_REQUEST_MS } from '../src/http/request-logger.js';
import { corsPolicy, helmetPolicy, securityHeaders } from '../src/http/security.js';

/** An app with the access logger writing its lines into an array. */
function loggedApp(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const app = express();
  const log = requestLogger(logger);
  app.use(log);
  app.get('/ok', (_req, res) => void res.json({ ok: true }));
  app.post('/ok', (_req, res) => void res.status(201).json({ ok: true }));
  app.get('/healthz', (_req, res) => void res.json({ ok: true }));
  app.get('/boom', (_req, res) => void res.status(503).json({ error: 'down' }));
  return { app, lines, log };
}

describe('access log', () => {
  it('logs fast successful reads at debug, writes at info, 4xx at warn, 5xx at error, slow reads at info', () => {
    expect(accessLevel('GET', 200, 3)).toBe('debug');
    expect(accessLevel('HEAD', 304, 3)).toBe('debug');
    expect(accessLevel('GET', 200, SLOW_REQUEST_MS)).toBe('info');
    expect(accessLevel('POST', 201, 3)).toBe('info');
    expect(accessLevel('DELETE', 200, 3)).toBe('info');
    expect(accessLevel('GET', 404, 3)).toBe('warn');
    expect(accessLevel('GET', 429, 3)).toBe('warn');
    expect(accessLevel('GET', 503, 3)).toBe('error');
  });

  it('at info: no line for a fast GET, one per write and per error, each with the request id', async () => {
    const { app, lines } = loggedApp('info');
    await request(app).get('/ok').expect(200);
    const posted = await request(app).post('/ok').set('X-Request-Id', 'write-1').expect(201);
    const failed = await request(app).get('/boom').expect(503);
    await new Promise((r) => setTimeout(r, 20));
    expect(posted.headers['x-request-id']).toBe('write-1');
    expect(
      lines.map((l) => [l.level, (l.req as { id: string }).id, (l.res as { statusCode: number }).statusCode]),
    ).toEqual([
      [30, 'write-1', 201],
      [50, failed.headers['x-request-id'], 503],
    ]);
    expect(lines[0]).toMatchObject({ msg: 'request completed', req: { method: 'POST', url: '/ok' } });
    expect(typeof lines[0]?.responseTime).toBe('number');
  });

  it('at debug: every request but probes, with its generated id', async () => {
    const { app, lines } = loggedApp('debug');
    const res = await request(app).get('/ok').expect(200);
    await request(app).get('/healthz').expect(200);
    await new Promise((r) => setTimeout(r, 20));
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 20, req: { id: res.headers['x-request-id'], url: '/ok' } });
  });

  it('logs a request the client abandoned on a keep-alive connection, once', async () => {
    const { app, lines } = loggedApp('debug');
    let slowReceived = false;
    let lateAnswerTried = false;
    app.get('/slow', (_req, res) => {
      slowReceived = true;
      setTimeout(() => {
        if (!res.destroyed) res.json({ late: true });
        lateAnswerTried = true;
      }, 300);
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as AddressInfo;
    // Two requests on one keep-alive connection, then one the client gives up on.
    const socket = connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const ask = (path: string) =>
      `GET ${path} HTTP/1.1\r\nHost: x\r\nX-Request-Id: ${path.slice(1)}-1\r\n\r\n`;
    let received = '';
    socket.on('data', (d) => {
      received += d.toString();
    });
    socket.write(ask('/ok'));
    await waitFor(() => received.includes('"ok":true'));
    socket.write(ask('/slow'));
    // Hang up once the server is handling /slow (a fixed 50 ms could hang up before it has read it).
    await waitFor(() => slowReceived);
    socket.destroy();
    await waitFor(() => lines.some((l) => l.msg === 'request aborted'));
    await waitFor(() => lateAnswerTried); // past the late answer: still one line for /slow
    server.close();
    expect(lines.map((l) => [(l.req as { id: string }).id, l.msg])).toEqual([
      ['ok-1', 'request completed'],
      ['slow-1', 'request aborted'],
    ]);
  });

  it('says which requests it has seen: its own, not those of another app', async () => {
    const first = loggedApp('info');
    const second = loggedApp('info');
    const seen: Array<[boolean, boolean]> = [];
    const probe: express.RequestHandler = (req, res) => {
      seen.push([first.log.saw(req), second.log.saw(req)]);
      res.json({ ok: true });
    };
    const bare = express();
    bare.get('/probe', probe);
    first.app.get('/probe', probe);
    await request(bare).get('/probe').expect(200);
    await request(first.app).get('/probe').expect(200);
    expect(seen).toEqual([
      [false, false],
      [true, false],
    ]);
  });

  it("ignores another app's requests and stops after close()", async () => {
    const first = loggedApp('debug');
    const second = loggedApp('debug');
    await request(first.app).get('/ok').expect(200);
    await request(second.app).get('/ok').set('X-Request-Id', 'second-1').expect(200);
    await new Promise((r) => setTimeout(r, 20));
    expect(first.lines).toHaveLength(1);
    expect(second.lines.map((l) => (l.req as { id: string }).id)).toEqual(['second-1']);
    second.log.close();
    await request(second.app).get('/ok').expect(200);
    await new Promise((r) => setTimeout(r, 20));
    expect(second.lines).toHaveLength(1);
  });
});

// 10 s: how long a loaded machine may take to deliver a few local packets; a bound on the machine.
async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('precomputed security headers', () => {
  it("sends helmet's own headers on pages, the REST set on data, and CORS only to listed origins", async () => {
    const app = express();
    app.disable('x-powered-by');
    app.use(securityHeaders({ isData: (url) => url.startsWith('/data') }), corsPolicy(['http://a.example']));
    app.get('/x', (_req, res) => void res.json({}));
    app.get('/data', (_req, res) => void res.json({}));
    const plain = await request(app).get('/x').expect(200);
    expect(plain.headers['content-security-policy']).toContain("default-src 'self'");
    expect(plain.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(plain.headers['strict-transport-security']).toMatch(/max-age=/);
    expect(plain.headers['x-content-type-options']).toBe('nosniff');
    expect(plain.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
    const reference = express();
    reference.disable('x-powered-by');
    reference.use(helmetPolicy());
    reference.get('/x', (_req, res) => void res.json({}));
    const helmeted = await request(reference).get('/x').expect(200);
    const securityOnly = (h: Record<string, unknown>) => {
      const { date: _d, connection: _c, 'keep-alive': _k, ...rest } = h;
      return rest;
    };
    expect(securityOnly(plain.headers)).toEqual(securityOnly(helmeted.headers));
    // Data answers get the REST set: nothing may load or frame them, same HSTS and CORP as pages.
    const data = await request(app).get('/data').expect(200);
    expect(data.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(data.headers['x-frame-options']).toBe('DENY');
    expect(data.headers['x-content-type-options']).toBe('nosniff');
    expect(data.headers['referrer-policy']).toBe('no-referrer');
    expect(data.headers['strict-transport-security']).toBe(helmeted.headers['strict-transport-security']);
    expect(data.headers['cross-origin-resource-policy']).toBe(
      helmeted.headers['cross-origin-resource-policy'],
    );
    expect(data.headers['x-dns-prefetch-control']).toBeUndefined();
    const other = await request(app).get('/x').set('Origin', 'http://b.example').expect(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const listed = await request(app).get('/x').set('Origin', 'http://a.example').expect(200);
    expect(listed.headers['access-control-allow-origin']).toBe('http://a.example');
    expect(listed.headers['access-control-expose-headers']).toContain('X-Request-Id');
  });
});
