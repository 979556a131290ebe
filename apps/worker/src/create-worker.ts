/**
 * Builds the cache worker: one BullMQ Worker on the shared queue, the schedulers, the heartbeat
 * and the last-result bookkeeping. Takes every dependency (connections, modules, logger) so tests
 * and index.ts build it the same way; it closes only what it creates.
 */
import { hostname } from 'node:os';
import {
  bullConnection,
  type ChangeStreamStatus,
  checkQueueRedisPolicy,
  createQueue,
  defaultJobOptions,
  type JobSummary,
  newWorkerId,
  QUEUE_NAME,
  type QueueDeps,
  type QueuePolicyCheck,
  recordWorkerResult,
} from '@app/redis-core';
import { type Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { startHeartbeat } from './heartbeat.js';
import type { Logger } from './ports.js';
import { createProcessor, type JobDeps } from './processor.js';
import type { RefreshSettings } from './refresh.js';
import { applySchedules, type ScheduleSettings } from './schedulers.js';

export interface WorkerSettings extends ScheduleSettings, RefreshSettings {
  concurrency: number;
  /** How long a job's lock lives without renewal: a killed worker's job is retried after this. */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (jobs whose lock expired). */
  stalledIntervalMs?: number;
  heartbeatMs?: number;
  heartbeatTtlMs?: number;
}

export interface CreateWorkerDeps extends JobDeps {
  /** BullMQ connection for the queue Redis (connections.queueConnectionOptions()). */
  connection: QueueDeps['connection'];
  /** keys.jobsPrefix */
  prefix: string;
  keys: JobDeps['keys'] & Parameters<typeof startHeartbeat>[0]['keys'];
  settings: WorkerSettings;
  logger: Logger;
  /** The postgres store's change-stream consumer status, carried by every heartbeat. */
  changeStream?: () => ChangeStreamStatus;
}

export interface CacheWorker {
  readonly worker: Worker;
  readonly queue: Queue;
  readonly workerId: string;
  /** The queue Redis's maxmemory-policy check made at start. */
  readonly policy: QueuePolicyCheck | null;
  /** Stops taking jobs, lets the running ones finish, then closes what it opened. */
  close(): Promise<void>;
}

/** The queue Redis's eviction policy, through a short-lived client when BullMQ was given options. */
async function checkPolicy(
  connection: QueueDeps['connection'],
  logger: Logger,
): Promise<QueuePolicyCheck | null> {
  const isClient = typeof (connection as { duplicate?: unknown }).duplicate === 'function';
  const client = isClient
    ? (connection as Redis)
    : new Redis({
        ...(connection as object),
        lazyConnect: true,
        maxRetriesPerRequest: 1,
        enableOfflineQueue: true,
      });
  // A refused connection is reported by the command below; without a listener ioredis prints each retry.
  if (!isClient) client.on('error', () => {});
  try {
    const check = await checkQueueRedisPolicy(client);
    if (!check.ok)
      logger.warn({ policy: check.policy }, check.warning ?? 'queue Redis policy is not noeviction');
    return check;
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'could not check the queue Redis maxmemory-policy');
    return null;
  } finally {
    if (!isClient) client.disconnect();
  }
}

function throttled<A extends unknown[]>(fn: (...args: A) => void, everyMs = 10_000): (...args: A) => void {
  let last = 0;
  return (...args) => {
    const now = Date.now();
    if (now - last < everyMs) return;
    last = now;
    fn(...args);
  };
}

/**
 * BullMQ 6.7 on an ioredis Cluster: close() disconnects the worker's blocking cluster client and
 * waits for its 'end'; the pending BZPOPMIN fails meanwhile, and BullMQ's cluster recovery (which
 * only knows about closing later, in its connection's close) reconnects the very client being
 * closed, so 'end' never comes and close() hangs. Once closing, a blocking client that comes
 * back is disconnected again. Standalone clients do not take this path.
 */
async function keepClusterClosed(worker: Worker): Promise<{ closing: boolean }> {
  const state = { closing: false };
  const client = (await worker.getBackend().blockingClient) as (Redis & { isCluster?: boolean }) | undefined;
  if (client?.isCluster) {
    client.on('ready', () => {
      if (state.closing) client.disconnect();
    });
  }
  return state;
}

export async function createWorker(deps: CreateWorkerDeps): Promise<CacheWorker> {
  const { settings, logger } = deps;
  const workerId = newWorkerId(hostname(), process.pid);
  const startedAt = Date.now();
  const policy = await checkPolicy(deps.connection, logger);

  const queue = createQueue({ connection: deps.connection, prefix: deps.prefix });
  const processor = createProcessor(deps, {
    ...settings,
    minLeadMs: settings.minLeadMs ?? settings.refreshEveryMs * 1.5,
  });
  let active = 0;

  const worker = new Worker<unknown, JobSummary>(
    QUEUE_NAME,
    async (job) => {
      active += 1;
      try {
        return await processor(job);
      } finally {
        active -= 1;
      }
    },
    {
      connection: bullConnection(deps.connection),
      prefix: deps.prefix,
      name: workerId,
      concurrency: settings.concurrency,
      autorun: false,
      // A job stalls at most once (its worker died); a second stall fails it instead of looping.
      maxStalledCount: 1,
      ...(settings.lockDurationMs === undefined ? {} : { lockDuration: settings.lockDurationMs }),
      ...(settings.stalledIntervalMs === undefined ? {} : { stalledInterval: settings.stalledIntervalMs }),
      removeOnComplete: defaultJobOptions.removeOnComplete,
      removeOnFail: defaultJobOptions.removeOnFail,
    },
  );

  const record = (name: string, result: Parameters<typeof recordWorkerResult>[3]) =>
    recordWorkerResult(deps.redis, deps.keys, name, result).catch((err: Error) =>
      logger.warn({ err: err.message, job: name }, 'could not record the job result'),
    );

  worker.on('completed', (job, summary) => {
    logger.info({ job: job.name, id: job.id, ...summary }, 'job completed');
    void record(job.name, {
      jobId: String(job.id),
      ok: true,
      finishedAt: job.finishedOn ?? Date.now(),
      summary,
    });
  });
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    logger[final ? 'error' : 'warn'](
      { job: job.name, id: job.id, attempt: job.attemptsMade, err: err.message },
      final ? 'job failed' : 'job failed, will retry',
    );
    void record(job.name, { jobId: String(job.id), ok: false, finishedAt: Date.now(), error: err.message });
  });
  worker.on('stalled', (jobId) =>
    logger.warn({ id: jobId }, 'job stalled (its worker died); moved back to wait'),
  );
  // While the queue Redis is down BullMQ reports every reconnect attempt: one line per 10 s is enough.
  const redisError = throttled((err: Error, source: string) =>
    logger.error({ err: err.message, source }, 'queue Redis error (BullMQ retries)'),
  );
  worker.on('error', (err) => redisError(err, 'worker'));
  queue.on('error', (err) => redisError(err, 'queue'));

  await applySchedules(queue, settings);
  void worker.run().catch((err: Error) => logger.error({ err: err.message }, 'worker loop stopped'));
  await worker.waitUntilReady();

  const heartbeat = startHeartbeat({
    redis: deps.redis,
    keys: deps.keys,
    logger,
    intervalMs: settings.heartbeatMs ?? 2000,
    ttlMs: settings.heartbeatTtlMs ?? 10_000,
    describe: () => ({
      workerId,
      pid: process.pid,
      host: hostname(),
      concurrency: settings.concurrency,
      active,
      startedAt,
      ...(deps.changeStream ? { changeStream: deps.changeStream() } : {}),
    }),
  });

  logger.info(
    {
      workerId,
      concurrency: settings.concurrency,
      refreshEveryMs: settings.refreshEveryMs,
      warmOnStart: settings.warmOnStart,
    },
    'cache worker started',
  );

  const blocking = await keepClusterClosed(worker);

  let closing: Promise<void> | undefined;
  return {
    worker,
    queue,
    workerId,
    policy,
    close() {
      closing ??= (async () => {
        blocking.closing = true;
        // worker.close() waits for the jobs in flight; only then are the heartbeat and queue dropped.
        await worker.close();
        await heartbeat.stop();
        await queue.close();
        logger.info({ workerId }, 'cache worker closed');
      })();
      return closing;
    },
  };
}
