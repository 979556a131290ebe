import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createKeyspace, writeWorkerHeartbeat } from '@app/redis-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anyFreePort } from '../dev/ports.js';
import { RedisProcess } from '../dev/redis-process.js';
import { cleanup, connect, infraDir, tempDir } from './helpers.js';

// The worker container's Docker health check (infra/docker/worker-healthcheck.ts), run the way
// the image runs it: a process configured by the environment, exit code 0 = healthy.

const run = promisify(execFile);
const script = join(infraDir, 'docker', 'worker-healthcheck.ts');
let redis: RedisProcess;

async function healthCheck(): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, ['--import', 'tsx', script], {
      cwd: infraDir,
      env: {
        ...process.env,
        REDIS_URL: redis.url,
        REDIS_REPLICA_URLS: '',
        REDIS_SENTINELS: '',
        REDIS_CLUSTER_NODES: '',
      },
      timeout: 20_000,
    });
    return { code: 0, stderr: '' };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { code: e.code ?? -1, stderr: e.stderr ?? '' };
  }
}

beforeAll(async () => {
  redis = await RedisProcess.start({
    name: 'healthcheck',
    port: await anyFreePort(),
    dataDir: tempDir('hc'),
  });
});
afterAll(async () => {
  await redis.stop();
  await cleanup();
});

describe('worker container health check', () => {
  it('fails without a heartbeat from a worker on this host, passes with a fresh one', async () => {
    const keys = createKeyspace();
    const client = connect(redis.port);
    await client.connect();
    await writeWorkerHeartbeat(client, keys, {
      workerId: 'other-host.1.abc',
      pid: 1,
      host: 'some-other-container',
      concurrency: 1,
      active: 0,
      startedAt: Date.now(),
    });
    const unhealthy = await healthCheck();
    expect(unhealthy.code).toBe(1);
    expect(unhealthy.stderr).toContain(`no fresh heartbeat from a worker on ${hostname()}`);

    await writeWorkerHeartbeat(client, keys, {
      workerId: 'this-host.2.def',
      pid: 2,
      host: hostname(),
      concurrency: 1,
      active: 0,
      startedAt: Date.now(),
    });
    expect(await healthCheck()).toEqual({ code: 0, stderr: '' });
  });

  it('fails (does not hang) when Redis does not answer', async () => {
    await redis.stop();
    const down = await healthCheck();
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/health check failed/);
  });
});
