/**
 * 5. All of Redis down. One Redis holds everything (catalog, cache, queue), as in the workshop;
 * the API runs in-process, the worker as its shipped process. Redis is SIGKILLed for 5 s, then
 * started again from its data dir. During the outage the API answers fast 503s (its origin is
 * the catalog in that same Redis: there is nothing to fall back to) or 200 for what needs no
 * Redis; nothing answers 500 or hangs; the worker process stays up. After the restart both
 * recover by themselves: nothing is restarted by hand.
 */
import { cleanupAll, startRedis, waitUntil } from '@app/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { adminHeaders, type RunningApi, startApi } from '../src/api.js';
import { type Answer, call, histogram, percentile, round } from '../src/http.js';
import { recordResult } from '../src/results.js';
import { killWorkerProcesses, startWorkerProcess } from '../src/worker-process.js';

const COMMAND_TIMEOUT_MS = 500;
const OUTAGE_MS = 5000;

let api: RunningApi | undefined;
afterAll(async () => {
  killWorkerProcesses();
  await api?.close();
  await cleanupAll();
});

interface JobsBody {
  jobs: { id: string; state: string }[];
  worker: { alive: boolean };
}

describe('all of Redis down', () => {
  it('API degrades to fast 503s, worker waits; both resume by themselves', async () => {
    const redis = await startRedis({ appendonly: true });
    const env = { REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS) };
    api = await startApi({ ...env, RATE_LIMIT_PER_MINUTE: '1000000' }, { seed: true });
    const worker = await startWorkerProcess({ ...env, WORKER_HEARTBEAT_MS: '500' });
    await waitUntil(
      async () => ((await call(api!.base, 'GET', '/api/jobs')).body as JobsBody).worker.alive,
      10_000,
    );

    const paths: [string, string][] = [
      ['GET', '/api/data/prod1'],
      ['GET', '/api/db/product/prod2'],
      ['GET', '/api/db/list'],
      ['GET', '/api/stats'],
      ['GET', '/readyz'],
      ['GET', '/healthz'],
      ['GET', '/api/jobs'],
      ['POST', '/api/jobs/warm-all'],
    ];
    await redis.kill();
    const downAt = Date.now();
    const outage: (Answer & { route: string })[] = [];
    const loops = Array.from({ length: 4 }, async (_, k) => {
      let i = k;
      while (Date.now() - downAt < OUTAGE_MS) {
        const [method, path] = paths[i++ % paths.length] as [string, string];
        const answer = await call(api!.base, method, path, { headers: adminHeaders, timeoutMs: 10_000 });
        outage.push({ ...answer, route: `${method} ${path}` });
      }
    });
    await Promise.all(loops);
    const workerAliveThroughout = worker.isRunning();

    await redis.start();
    const upAt = Date.now();
    await waitUntil(async () => (await call(api!.base, 'GET', '/readyz')).status === 200, 20_000);
    const readyAfterMs = Date.now() - upAt;
    await waitUntil(async () => (await call(api!.base, 'GET', '/api/data/prod1')).status === 200, 20_000);
    const dataAfterMs = Date.now() - upAt;
    // The worker reconnected by itself: it takes a new job and beats again.
    const enqueued = await call(api.base, 'POST', '/api/jobs/warm-all', { headers: adminHeaders });
    const jobId = (enqueued.body as { id: string }).id;
    await waitUntil(
      async () => {
        const jobs = (await call(api!.base, 'GET', '/api/jobs?limit=20')).body as JobsBody;
        return jobs.jobs.some((j) => j.id === jobId && j.state === 'completed') && jobs.worker.alive;
      },
      30_000,
      `job ${jobId} never completed after Redis came back:\n${worker.output.join('').slice(-2000)}`,
    );
    const jobDoneAfterMs = Date.now() - upAt;
    const cacheEntries = await redis.client().exists('data:prod1', 'data:prod2', 'data:prod3');

    const nonJson = outage.filter((a) => !a.contentType.includes('application/json'));
    recordResult('05-all-redis-down', {
      fault: `SIGKILL of the only Redis for ${OUTAGE_MS} ms, then restart from its AOF`,
      command_timeout_ms: COMMAND_TIMEOUT_MS,
      calls_during_outage: outage.length,
      statuses: histogram(outage),
      statuses_by_route: Object.fromEntries(
        paths.map(([m, p]) => [`${m} ${p}`, histogram(outage.filter((a) => a.route === `${m} ${p}`))]),
      ),
      max_latency_ms: round(Math.max(...outage.map((a) => a.ms))),
      max_latency_by_route_ms: Object.fromEntries(
        paths.map(([m, p]) => [
          `${m} ${p}`,
          round(Math.max(0, ...outage.filter((a) => a.route === `${m} ${p}`).map((a) => a.ms))),
        ]),
      ),
      p99_latency_ms: round(
        percentile(
          outage.map((a) => a.ms),
          99,
        ),
      ),
      non_json_answers: nonJson.length,
      worker_process_survived: workerAliveThroughout,
      worker_pid_unchanged: worker.isRunning(),
      ready_after_restart_ms: readyAfterMs,
      data_after_restart_ms: dataAfterMs,
      job_completed_after_restart_ms: jobDoneAfterMs,
    });

    expect(outage.length).toBeGreaterThan(20);
    expect(outage.filter((a) => a.status !== 503 && a.status !== 200)).toEqual([]);
    // Only the liveness probe, which needs no Redis, answers 200 while Redis is gone.
    expect(outage.filter((a) => a.status === 200).every((a) => a.route === 'GET /healthz')).toBe(true);
    expect(nonJson).toEqual([]);
    expect(Math.max(...outage.map((a) => a.ms))).toBeLessThan(2 * COMMAND_TIMEOUT_MS + 250);
    expect(workerAliveThroughout).toBe(true);
    expect(worker.isRunning()).toBe(true);
    expect(dataAfterMs).toBeLessThan(5_000);
    expect(jobDoneAfterMs).toBeLessThan(15_000);
    expect(cacheEntries).toBe(3);
  }, 120_000);
});
