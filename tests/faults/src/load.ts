import { generateProducts, type Product } from '@app/redis-core';
import { adminHeaders } from './api.js';
import { type Answer, call, sleep } from './http.js';

export interface LoggedCall extends Answer {
  kind: 'write' | 'read';
  path: string;
  endedAt: number;
  productId?: string;
}

export interface SteadyLoad {
  log: LoggedCall[];
  /** Acknowledged writes: id → the product the API answered with, and when. */
  acked: Map<string, { product: Product; at: number }>;
  stop(): Promise<void>;
}

/**
 * Steady traffic through the API while a fault happens: `writers` loops adding new products
 * (POST /api/db/add, each id once, so every acknowledgement can be checked later) and
 * `readers` loops cycling through `readPaths`. Every answer is logged with its timing.
 */
export function steadyLoad(opts: {
  base: string;
  writers: number;
  readers: number;
  readPaths: string[];
  timeoutMs: number;
  idPrefix: string;
  pauseMs?: number;
}): SteadyLoad {
  const log: LoggedCall[] = [];
  const acked = new Map<string, { product: Product; at: number }>();
  let stopped = false;
  let n = 0;
  const templates = generateProducts(500, { seed: 99 });
  const writer = async () => {
    while (!stopped) {
      const i = n++;
      const template = templates[i % templates.length] as Product;
      const product: Product = { ...template, id: `${opts.idPrefix}-${i}`, price: (i % 1000) + 0.5 };
      const answer = await call(opts.base, 'POST', '/api/db/add', {
        body: product,
        headers: adminHeaders,
        timeoutMs: opts.timeoutMs,
      });
      log.push({ ...answer, kind: 'write', path: '/api/db/add', endedAt: Date.now(), productId: product.id });
      if (answer.status === 201 || answer.status === 200)
        acked.set(product.id, { product: (answer.body as { product: Product }).product, at: Date.now() });
      if (opts.pauseMs) await sleep(opts.pauseMs);
    }
  };
  let r = 0;
  const reader = async () => {
    while (!stopped) {
      const path = opts.readPaths[r++ % opts.readPaths.length] as string;
      const answer = await call(opts.base, 'GET', path, { timeoutMs: opts.timeoutMs });
      log.push({ ...answer, kind: 'read', path, endedAt: Date.now() });
      if (opts.pauseMs) await sleep(opts.pauseMs);
    }
  };
  const loops = [
    ...Array.from({ length: opts.writers }, writer),
    ...Array.from({ length: opts.readers }, reader),
  ];
  return {
    log,
    acked,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** Calls that contain a READONLY error anywhere in their answer. */
export const readonlyAnswers = (log: LoggedCall[]) => log.filter((c) => /READONLY/i.test(c.text));
