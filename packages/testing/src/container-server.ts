import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';
import { registerCleanup } from './registry.js';
import type { RedisServer } from './types.js';

const exec = promisify(execFile);
const image = process.env.REDIS_TEST_IMAGE ?? 'redis:7.2-alpine';

let available: Promise<boolean> | undefined;

/**
 * True when a Docker engine answers. Without DOCKER_HOST or a local socket there is no
 * engine to ask, so the answer is immediate (this is the common case on CI machines
 * without Docker, where tests fall back to local redis-server processes).
 */
export function dockerAvailable(): Promise<boolean> {
  available ??= (async () => {
    if (!process.env.DOCKER_HOST && !existsSync('/var/run/docker.sock')) return false;
    try {
      const { getContainerRuntimeClient } = await import('testcontainers');
      const client = await Promise.race([
        getContainerRuntimeClient(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 5_000).unref()),
      ]);
      return Boolean(client);
    } catch {
      return false;
    }
  })();
  return available;
}

/**
 * A standalone Redis in a container. Fault operations go through the docker CLI so a
 * killed container keeps its data volume and its host port across a restart.
 */
export async function startContainerRedis(opts: {
  appendonly?: boolean;
  args?: string[];
  password?: string;
}): Promise<RedisServer> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const hostPort = await freePort();
  const command = [
    'redis-server',
    '--appendonly',
    opts.appendonly ? 'yes' : 'no',
    ...(opts.appendonly ? ['--appendfsync', 'everysec'] : ['--save', '']),
    ...(opts.password ? ['--requirepass', opts.password] : []),
    ...(opts.args ?? []),
  ];
  const container = await new GenericContainer(image)
    .withExposedPorts({ container: 6379, host: hostPort })
    .withCommand(command)
    .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
    .start();
  const id = container.getId();
  const host = container.getHost();
  const clients = new Set<Redis>();
  let running = true;
  let paused = false;
  const docker = (...args: string[]) => exec('docker', args);
  const waitReady = async () => {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const probe = new Redis({
        host,
        port: hostPort,
        password: opts.password,
        lazyConnect: true,
        retryStrategy: () => null,
      });
      probe.on('error', () => {});
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') return;
      } catch {
        // not yet
      } finally {
        probe.disconnect();
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`container ${id} not ready`);
  };
  const server: RedisServer = {
    host,
    port: hostPort,
    url: opts.password
      ? `redis://:${encodeURIComponent(opts.password)}@${host}:${hostPort}`
      : `redis://${host}:${hostPort}`,
    role: 'standalone',
    dataDir: '/data',
    pid: undefined,
    client(options = {}) {
      const c = new Redis({
        host,
        port: hostPort,
        password: opts.password,
        maxRetriesPerRequest: 1,
        ...options,
      });
      c.on('error', () => {});
      clients.add(c);
      return c;
    },
    async stop() {
      if (!running) return;
      await docker('stop', id);
      running = false;
    },
    async kill() {
      if (!running) return;
      await docker('kill', '--signal', 'KILL', id);
      running = false;
      paused = false;
    },
    pause() {
      if (!running || paused) return;
      paused = true;
      void docker('pause', id);
    },
    resume() {
      if (!paused) return;
      paused = false;
      void docker('unpause', id);
    },
    async start() {
      if (running) return;
      await docker('start', id);
      running = true;
      await waitReady();
    },
    async restart() {
      await server.stop();
      await server.start();
    },
    isRunning: () => running,
    isPaused: () => paused,
    logTail: () => '',
    async destroy() {
      for (const c of clients) c.disconnect();
      clients.clear();
      await container.stop({ remove: true, removeVolumes: true }).catch(() => {});
      running = false;
    },
  };
  registerCleanup(() => server.destroy());
  return server;
}
