import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { compose } from '../src/http/compose.js';

/** An app whose GET /x runs `chain` composed, then a fallback route, then an error handler. */
function appWith(chain: RequestHandler[]) {
  const app = express();
  app.get('/x', compose(chain));
  app.get('/x', (_req, res) => {
    res.json({ fallback: true });
  });
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    res.status(500).json({ error: err instanceof Error ? err.message : String(err) });
  };
  app.use(onError);
  return app;
}

const mark =
  (name: string): RequestHandler =>
  (_req, res, next) => {
    res.locals.seen = [...((res.locals.seen as string[]) ?? []), name];
    next();
  };
const send: RequestHandler = (_req, res) => {
  res.json({ seen: res.locals.seen });
};

describe('compose', () => {
  it('runs the handlers in order', async () => {
    const res = await request(appWith([mark('a'), mark('b'), mark('c'), send])).get('/x');
    expect(res.body).toEqual({ seen: ['a', 'b', 'c'] });
  });

  it("continues in Express after the last handler's next()", async () => {
    const res = await request(appWith([mark('a'), mark('b')])).get('/x');
    expect(res.body).toEqual({ fallback: true });
  });

  it('hands next(err), a throw and a rejected promise to the error handler, skipping the rest', async () => {
    const never: RequestHandler = () => {
      throw new Error('must not run');
    };
    const viaNext = await request(
      appWith([mark('a'), (_q, _s, next) => next(new Error('by next')), never]),
    ).get('/x');
    expect(viaNext.status).toBe(500);
    expect(viaNext.body).toEqual({ error: 'by next' });
    const thrown = await request(
      appWith([
        () => {
          throw new Error('thrown');
        },
        never,
      ]),
    ).get('/x');
    expect(thrown.body).toEqual({ error: 'thrown' });
    const rejected = await request(
      appWith([
        mark('a'),
        async () => {
          await Promise.resolve();
          throw new Error('rejected');
        },
      ]),
    ).get('/x');
    expect(rejected.status).toBe(500);
    expect(rejected.body).toEqual({ error: 'rejected' });
  });

  it("passes next('route') to Express, which moves on to the next route", async () => {
    const res = await request(appWith([mark('a'), (_q, _s, next) => next('route'), send])).get('/x');
    expect(res.body).toEqual({ fallback: true });
  });
});
