import express, { type ErrorRequestHandler } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ZodError, z } from 'zod';
import { clientAddress } from '../src/http/client-address.js';
import { parserFor } from '../src/http/fast-parse.js';
import { defineRoute, mountRoutes } from '../src/http/route.js';
import { idParams } from '../src/http/schemas.js';

// The hottest route's shortcuts (GET /api/data/:id) must answer exactly what the general path does.

afterEach(() => {
  vi.restoreAllMocks();
});

function zodOutcome(run: () => unknown): unknown {
  try {
    return { ok: run() };
  } catch (err) {
    if (err instanceof ZodError) return { issues: err.issues };
    throw err;
  }
}

describe('idParams fast path', () => {
  const parse = parserFor(idParams);

  it.each([{ id: 'prod1' }, { id: 'A.b-c_9' }, { id: 'x'.repeat(128) }, { id: 'prod1', extra: 'dropped' }])(
    'accepts %j as zod does, without zod',
    (value) => {
      const expected = idParams.parse(value);
      const spy = vi.spyOn(idParams, 'parse');
      expect(parse(value)).toEqual(expected);
      expect(spy).not.toHaveBeenCalled();
    },
  );

  it.each([
    { id: '.' },
    { id: '..' },
    { id: '' },
    { id: 'x'.repeat(129) },
    { id: 'a b' },
    { id: 'é' },
    { id: 7 },
    {},
    null,
  ])('hands %j to zod, with zod’s error', (value) => {
    const expected = zodOutcome(() => idParams.parse(value));
    expect(expected).toHaveProperty('issues');
    const spy = vi.spyOn(idParams, 'parse');
    expect(zodOutcome(() => parse(value))).toEqual(expected);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('a schema without a fast path is parsed by zod', () => {
    const schema = z.object({ n: z.coerce.number() });
    expect(parserFor(schema)({ n: '3' })).toEqual({ n: 3 });
  });
});

describe('validate: the query string', () => {
  function appWith(query?: z.ZodType) {
    const app = express();
    const pass = (_req: unknown, _res: unknown, next: () => void) => next();
    mountRoutes(
      app,
      [
        defineRoute({
          method: 'get',
          path: '/q/:id',
          tag: 't',
          summary: 's',
          request: { params: idParams, ...(query ? { query } : {}) },
          responses: {},
          handler: ({ params, query: q }, _req, res) => {
            res.json({ params, query: q });
          },
        }),
      ],
      { admin: pass, rateLimit: pass },
    );
    const onError: ErrorRequestHandler = (err, _req, res, _next) => {
      res.status(err instanceof ZodError ? 400 : 500).json({ error: String(err) });
    };
    app.use(onError);
    return app;
  }

  it('without a query schema the handler still reads Express’ parsed query', async () => {
    const res = await request(appWith()).get('/q/p1?a=1&b=x').expect(200);
    expect(res.body).toEqual({ params: { id: 'p1' }, query: { a: '1', b: 'x' } });
  });

  it('with a query schema the query is validated before the handler', async () => {
    const app = appWith(z.object({ n: z.coerce.number().int() }));
    expect((await request(app).get('/q/p1?n=4').expect(200)).body.query).toEqual({ n: 4 });
    await request(app).get('/q/p1?n=x').expect(400);
    await request(app).get('/q/..?n=4').expect(400);
  });
});

describe('clientAddress', () => {
  function appWith(trustProxy?: boolean) {
    const app = express();
    if (trustProxy !== undefined) app.set('trust proxy', trustProxy);
    app.get('/who', (req, res) => {
      res.json({ client: clientAddress(req), ip: req.ip ?? null });
    });
    return app;
  }

  it('is the socket peer when no proxy is trusted (the default): X-Forwarded-For is ignored', async () => {
    for (const app of [appWith(), appWith(false)]) {
      const res = await request(app).get('/who').set('X-Forwarded-For', '203.0.113.9').expect(200);
      expect(res.body.client).toMatch(/127\.0\.0\.1|::1/);
      expect(res.body.client).toBe(res.body.ip);
    }
  });

  it('follows X-Forwarded-For when TRUST_PROXY trusts the proxy', async () => {
    const res = await request(appWith(true)).get('/who').set('X-Forwarded-For', '203.0.113.9').expect(200);
    expect(res.body).toEqual({ client: '203.0.113.9', ip: '203.0.113.9' });
  });
});
