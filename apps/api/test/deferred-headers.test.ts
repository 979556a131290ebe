import express, { type RequestHandler } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { deferHeaders } from '../src/http/deferred-headers.js';
import { sendJson } from '../src/http/send-json.js';

// Queued headers must reach every kind of answer, exactly as if they had been set up front.
const QUEUED = ['X-One', '1', 'X-Two', 'two'];

function appWith(handler: RequestHandler) {
  const app = express();
  app.use((_req, res, next) => {
    deferHeaders(res, QUEUED);
    deferHeaders(res, ['X-Three', '3']);
    next();
  });
  app.all('/x', handler);
  return app;
}

const expectQueued = (headers: Record<string, string>) => {
  expect(headers['x-one']).toBe('1');
  expect(headers['x-two']).toBe('two');
  expect(headers['x-three']).toBe('3');
};

describe('deferred headers', () => {
  it.each<[string, RequestHandler]>([
    ['res.json', (_req, res) => void res.status(201).json({ a: 1 })],
    ['sendJson', (_req, res) => sendJson(res, { a: 1 })],
    ['writeHead with an object', (_req, res) => void res.writeHead(202, { 'X-Own': 'o' }).end('{}')],
    ['writeHead with a list', (_req, res) => void res.writeHead(202, ['X-Own', 'o']).end('{}')],
    [
      'flushHeaders, then write',
      (_req, res) => {
        res.setHeader('Content-Type', 'text/plain');
        res.flushHeaders();
        res.end('streamed');
      },
    ],
    ['an error answer', (_req, _res, next) => next(new Error('boom'))],
  ])('reach the head of %s', async (_label, handler) => {
    const res = await request(appWith(handler)).get('/x');
    expectQueued(res.headers as Record<string, string>);
  });

  it('sendJson writes the same head and body as before, HEAD without a body', async () => {
    const app = appWith((_req, res) => sendJson(res, { a: 'é' }));
    const res = await request(app).get('/x').expect(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength('{"a":"é"}')));
    expect(res.body).toEqual({ a: 'é' });
    const head = await request(app).head('/x').expect(200);
    expectQueued(head.headers as Record<string, string>);
    expect(head.text ?? '').toBe('');
  });

  it('a header the handler sets itself wins over a queued one', async () => {
    for (const send of [
      (res: express.Response) => void res.json({}),
      (res: express.Response) => sendJson(res, {}),
    ]) {
      const app = appWith((_req, res) => {
        res.setHeader('X-Two', 'mine');
        send(res);
      });
      const res = await request(app).get('/x').expect(200);
      expect(res.headers['x-two']).toBe('mine');
      expect(res.headers['x-one']).toBe('1');
    }
  });
});
