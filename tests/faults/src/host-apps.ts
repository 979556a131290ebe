import type { ChildProcess } from 'node:child_process';
import { type Host, waitUntil } from '@app/testing';
import { ADMIN_TOKEN } from './api.js';
import { call } from './http.js';
import { repoRoot } from './infra-conf.js';

/** The API or the worker as it ships (`node --import tsx apps/<app>/src/index.ts`), on a host. */
export interface HostApp {
  host: Host;
  child: ChildProcess;
  pid: number;
  output: string[];
  /** API only: http://127.0.0.1:<port> in the test process, tunnelled to the API on its host. */
  base: string;
  isRunning(): boolean;
}

const API_PORT = 8090;

function startApp(host: Host, app: 'api' | 'worker', env: Record<string, string>): HostApp {
  const child = host.spawn(process.execPath, ['--import', 'tsx', `apps/${app}/src/index.ts`], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      LOG_LEVEL: 'info',
      ...env,
    },
  });
  const output: string[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  return {
    host,
    child,
    pid: child.pid as number,
    output,
    base: '',
    isRunning: () => child.exitCode === null && child.signalCode === null,
  };
}

async function waitForLine(app: HostApp, text: string, what: string): Promise<void> {
  await waitUntil(() => app.output.join('').includes(text) || !app.isRunning(), 60_000).catch(() => {});
  if (!app.output.join('').includes(text))
    throw new Error(`${what} on ${app.host.name} did not start:\n${app.output.join('').slice(-3000)}`);
}

/** The shipped API on `host`, listening on every address there, admin token set; ready when /readyz says so. */
export async function startApiOnHost(host: Host, env: Record<string, string>): Promise<HostApp> {
  const app = startApp(host, 'api', {
    HOST: '0.0.0.0',
    PORT: String(API_PORT),
    ADMIN_TOKEN,
    SEED_CATALOG: 'false',
    RATE_LIMIT_PER_MINUTE: '0',
    ...env,
  });
  await waitForLine(app, 'API listening', 'the API');
  const tunnel = await host.tunnel(API_PORT);
  app.base = tunnel.url;
  await waitUntil(
    async () => (await call(app.base, 'GET', '/readyz', { timeoutMs: 2000 })).status === 200,
    30_000,
  );
  return app;
}

/** The shipped worker on `host`; resolves once it logged that it started. */
export async function startWorkerOnHost(host: Host, env: Record<string, string>): Promise<HostApp> {
  const app = startApp(host, 'worker', {
    WORKER_WARM_ON_START: 'false',
    WORKER_REFRESH_EVERY_SECONDS: '0',
    ...env,
  });
  await waitForLine(app, 'cache worker started', 'the worker');
  return app;
}
