import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cleanupAll, freePort, startTestRedis, type TestRedis, waitUntil } from '@app/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const appDir = fileURLToPath(new URL('..', import.meta.url));
let redis: TestRedis;

beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(cleanupAll);

/** Runs src/index.ts as `pnpm start` does (tsx), collecting its JSON log lines. */
function startApi(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], {
    cwd: appDir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exit };
}

describe('the API process (src/index.ts)', () => {
  it('seeds, serves, and on SIGTERM ends open streams, closes Redis and exits 0 quickly', async () => {
    const port = await freePort();
    const api = startApi({
      ...redis.env,
      PORT: String(port),
      LOG_LEVEL: 'info',
      WEB_DIST_DIR: '/nonexistent',
    });
    try {
      await waitUntil(async () => api.output().includes('API listening'), 20_000);
      const base = `http://127.0.0.1:${port}`;
      await waitUntil(async () => (await fetch(`${base}/api/data/prod1`)).status === 200, 10_000);

      const stream = await fetch(`${base}/api/stream`);
      const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toMatch(/^retry:/);

      const started = performance.now();
      api.child.kill('SIGTERM');
      expect(await api.exit).toBe(0);
      expect(performance.now() - started).toBeLessThan(8000);
      // The server ended the stream instead of waiting for the client.
      let done = false;
      while (!done) done = (await reader.read()).done;
      expect(api.output()).toMatch(/"msg":"stopped"/);
      expect(api.output()).toMatch(/seeded the empty catalog/);
    } finally {
      api.child.kill('SIGKILL');
    }
  });

  it('listens on 127.0.0.1 unless HOST says otherwise', async () => {
    // Linux routes all of 127.0.0.0/8 to loopback: a server bound to 127.0.0.1 refuses 127.0.0.2,
    // one bound to every interface (0.0.0.0) answers it.
    const reachable = (host: string, port: number) =>
      fetch(`http://${host}:${port}/healthz`).then(
        (r) => r.status,
        () => 0,
      );
    const answers: Record<string, [number, number]> = {};
    for (const host of [undefined, '0.0.0.0']) {
      const port = await freePort();
      const api = startApi({
        ...redis.env,
        PORT: String(port),
        LOG_LEVEL: 'info',
        SEED_CATALOG: 'false',
        ...(host ? { HOST: host } : {}),
      });
      try {
        await waitUntil(async () => api.output().includes('API listening'), 20_000);
        answers[host ?? 'unset'] = [await reachable('127.0.0.1', port), await reachable('127.0.0.2', port)];
      } finally {
        api.child.kill('SIGKILL');
        await api.exit;
      }
    }
    expect(answers).toEqual({ unset: [200, 0], '0.0.0.0': [200, 200] });
  });

  it('refuses a bad configuration at start, naming the variable', async () => {
    const api = startApi({ ...redis.env, PORT: 'eighty' });
    expect(await api.exit).toBe(1);
    expect(api.output()).toMatch(/PORT: must be an integer/);
  });
});
