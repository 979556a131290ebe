import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import type { RedisServer } from '@app/testing';
import { startRedis } from '@app/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anyFreePort } from '../dev/ports.js';
import { waitGroupGone } from '../dev/process-group.js';
import { repoRoot } from '../dev/stack.js';

// `pnpm start` as a user runs it: the production build (bundled API and worker, built SPA),
// then both apps from dist/. Only the Redis is the test's own (REDIS_URL), never the machine's.
// The bundles read their Lua scripts and migrations from copied assets: a script path the
// bundler cannot follow once made the bundled API exit at its first import.

let redis: RedisServer;
let stack: ChildProcess;
let port: number;
let output = '';

beforeAll(async () => {
  redis = await startRedis();
  port = await anyFreePort();
  stack = spawn(process.execPath, ['--import', 'tsx', 'infra/dev/start.ts'], {
    cwd: repoRoot,
    env: { ...process.env, REDIS_URL: redis.url, PORT: String(port), FORCE_COLOR: '0' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  stack.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  stack.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<never>((_, reject) =>
    stack.once('exit', (code) => reject(new Error(`pnpm start exited (${code}):\n${output.slice(-4000)}`))),
  );
  // The banner is printed once /readyz answered.
  const banner = (async () => {
    while (!output.includes('Ctrl-C stops everything')) await new Promise((r) => setTimeout(r, 200));
  })();
  await Promise.race([banner, exited]);
}, 240_000);

afterAll(async () => {
  if (stack?.pid && stack.exitCode === null) {
    const done = new Promise((r) => stack.once('exit', r));
    process.kill(stack.pid, 'SIGINT');
    await done;
    // A process of the group may still be on its way out when the leader has exited.
    const gone = await waitGroupGone(stack.pid, 10_000);
    const left = gone
      ? ''
      : spawnSync('ps', ['-o', 'pid,stat,args', '--no-headers', '-g', String(stack.pid)], {
          encoding: 'utf8',
        }).stdout;
    expect(left, 'processes left by pnpm start').toBe('');
  }
  await redis?.stop();
}, 60_000);

const api = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);

describe('pnpm start (production build)', () => {
  it('answers /readyz and a product from the bundled API, from the cache once read', async () => {
    expect((await api('/readyz')).status).toBe(200);
    const first = (await (await api('/api/data/prod1')).json()) as { source: string; data: { id: string } };
    const second = (await (await api('/api/data/prod1')).json()) as { source: string };
    expect(first.data.id).toBe('prod1');
    // The bundled worker may have warmed it already; either way the second read is a hit.
    expect(['database', 'cache']).toContain(first.source);
    expect(second.source).toBe('cache');
  });

  it('serves the built monitor, whose CSS keeps the unprefixed backdrop-filter', async () => {
    const html = await (await api('/')).text();
    expect(html).toContain('<div id="app">');
    const css = /href="(\/assets\/index-[^"]+\.css)"/.exec(html)?.[1];
    expect(css, 'a built stylesheet linked from index.html').toBeTruthy();
    const text = await (await api(css!)).text();
    expect(text).toMatch(/[;{]backdrop-filter:/);
  });

  it('runs the bundled worker: its heartbeat reaches Redis', async () => {
    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    try {
      const deadline = Date.now() + 30_000;
      let beat = 0;
      while (!beat && Date.now() < deadline) {
        beat = await client.exists('worker:heartbeat');
        if (!beat) await new Promise((r) => setTimeout(r, 250));
      }
      expect(beat, 'worker:heartbeat').toBe(1);
    } finally {
      client.disconnect();
    }
  });
});
