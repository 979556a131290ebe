/**
 * The real stack for the browser tests: a Redis master with one replica (local redis-server
 * processes from @app/testing), the API serving the production build of the SPA (made once per
 * run by global-setup.ts, as `pnpm start` makes it), and the worker.
 * Child processes are killed by pid on teardown; nothing here touches 127.0.0.1:6379.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupAll, freePort, type Replicated, startReplicated } from '@app/testing';

const webRoot = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = path.resolve(webRoot, '../..');

export const ADMIN_TOKEN = 'e2e-admin-token';
/** A small simulated origin delay so cache and database differ visibly (and the banner shows). */
export const ORIGIN_DELAY_MS = 40;
export const CACHE_TTL_SECONDS = 60;
/** TTLs get up to this share added at random, so entries written together do not expire together. */
export const CACHE_TTL_JITTER = 0.1;

export interface Stack {
  baseUrl: string;
  redis: Replicated;
  api: ChildProcess;
  worker: ChildProcess;
  logs: { api: string[]; worker: string[] };
  stop(): Promise<void>;
}

function startNode(entry: string, env: NodeJS.ProcessEnv, log: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (d: Buffer) => {
    log.push(String(d));
    if (log.length > 400) log.splice(0, log.length - 400);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return child;
}

async function stopChild(child: ChildProcess, graceMs = 8000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined)
      process.kill(child.pid, 'SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

/** `distDir`: the built SPA (`inject('webDistDir')` in a test file). */
export async function startStack(distDir: string): Promise<Stack> {
  const redis = await startReplicated({ replicas: 1 });
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const logs = { api: [] as string[], worker: [] as string[] };
  const sharedEnv: NodeJS.ProcessEnv = {
    REDIS_URL: redis.master.url,
    REDIS_REPLICA_URLS: redis.replicas.map((r) => r.url).join(','),
    ADMIN_TOKEN,
    ORIGIN_DELAY_MS: String(ORIGIN_DELAY_MS),
    CACHE_TTL_SECONDS: String(CACHE_TTL_SECONDS),
    CACHE_TTL_JITTER: String(CACHE_TTL_JITTER),
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
  };

  const api = startNode(
    'apps/api/src/index.ts',
    { ...sharedEnv, PORT: String(port), WEB_DIST_DIR: distDir, RATE_LIMIT_PER_MINUTE: '0' },
    logs.api,
  );
  // No warm-on-start: the first search must be a real miss. Heartbeat often, for the indicator.
  const worker = startNode(
    'apps/worker/src/index.ts',
    {
      ...sharedEnv,
      WORKER_WARM_ON_START: 'false',
      WORKER_HEARTBEAT_MS: '500',
      WORKER_REFRESH_EVERY_SECONDS: '0',
    },
    logs.worker,
  );

  const stack: Stack = {
    baseUrl,
    redis,
    api,
    worker,
    logs,
    async stop() {
      await Promise.all([stopChild(api), stopChild(worker)]);
      await cleanupAll();
    },
  };

  try {
    await waitFor(
      'the API to be ready',
      async () => {
        if (api.exitCode !== null) throw new Error(`API exited ${api.exitCode}\n${logs.api.join('')}`);
        return (await fetch(`${baseUrl}/readyz`)).ok;
      },
      60_000,
    );
    await waitFor('the seed catalog', async () => {
      const list = (await (await fetch(`${baseUrl}/api/db/list`)).json()) as { count: number };
      return list.count > 0;
    });
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}

/** Admin call to the real API (used to add a catalog worth browsing). */
export async function adminPost(baseUrl: string, route: string, body: unknown): Promise<Response> {
  return fetch(`${baseUrl}${route}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify(body),
  });
}
