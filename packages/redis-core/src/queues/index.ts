/**
 * The job queue shared by the API (producer) and the worker (consumer): one queue name, the job
 * names, their payload schemas and default options, so both sides cannot drift. BullMQ keys live
 * under the keyspace's `jobsPrefix` ('bull', hash-tagged '{bull}' in a cluster).
 */
import {
  type ConnectionOptions,
  type DefaultJobOptions,
  type Job,
  type JobType,
  Queue,
  QueueEvents,
} from 'bullmq';
import { z } from 'zod';
import type { QueueConnection } from '../connections/index.js';
import { ValidationError } from '../errors.js';

export { readCacheTtls } from './cache-ttl.js';
export { checkQueueRedisPolicy, type QueuePolicyCheck } from './policy.js';
export {
  type ChangeStreamStatus,
  newWorkerId,
  readWorkerStatus,
  recordWorkerResult,
  removeWorkerHeartbeat,
  type WorkerHeartbeat,
  type WorkerJobResult,
  type WorkerStatus,
  writeWorkerHeartbeat,
} from './worker-status.js';

export const QUEUE_NAME = 'cache-jobs';

export const JOB = {
  warmAll: 'warm-all',
  warmCategory: 'warm-category',
  warmTop: 'warm-top',
  refresh: 'refresh-ttl',
} as const;
export type JobName = (typeof JOB)[keyof typeof JOB];
export const JOB_NAMES: readonly JobName[] = Object.values(JOB);

export function isJobName(name: unknown): name is JobName {
  return typeof name === 'string' && (JOB_NAMES as readonly string[]).includes(name);
}

/** Ids per MGET / pipeline while warming: large enough to amortise round trips, small enough not to block Redis. */
export const DEFAULT_WARM_BATCH_SIZE = 500;
const batchSize = z.number().int().min(1).max(5000).optional();

// Same rule as keys.validateCategory (1-64 of [a-z0-9_-], lower-cased), expressed in zod so a bad
// payload is a schema failure the worker turns into a non-retried UnrecoverableError.
const category = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9_-]{1,64}$/, 'category: 1-64 characters of a-z, 0-9, _ or -');

/** Payload schema per job name (keyed by the job name BullMQ stores, e.g. `jobPayloadSchemas[JOB.warmTop]`). */
export const jobPayloadSchemas = {
  [JOB.warmAll]: z.object({ batchSize }).strict(),
  [JOB.warmCategory]: z.object({ category, batchSize }).strict(),
  [JOB.warmTop]: z.object({ n: z.number().int().min(1).max(10_000) }).strict(),
  [JOB.refresh]: z
    .object({
      /** Most hot ids examined in one run (bounded work per run). */
      limit: z.number().int().min(1).max(100_000).optional(),
      /** Override of the configured refresh threshold (fraction of the TTL left). */
      thresholdRatio: z.number().gt(0).lt(1).optional(),
    })
    .strict(),
} as const;

export type JobPayloads = { [N in JobName]: z.infer<(typeof jobPayloadSchemas)[N]> };
export type JobPayload = JobPayloads[JobName];

/** Validates a payload for `name`; throws ValidationError (400) with the zod issues. */
export function parseJobPayload<N extends JobName>(name: N, payload: unknown): JobPayloads[N] {
  const schema = jobPayloadSchemas[name] as unknown as z.ZodType<JobPayloads[N]>;
  const parsed = schema.safeParse(payload ?? {});
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`)
      .join('; ');
    throw new ValidationError(`invalid ${name} payload: ${detail}`, parsed.error.issues);
  }
  return parsed.data;
}

/** What every warm/refresh job returns (BullMQ stores it as the job's return value). */
export interface JobSummary {
  items: number;
  ms: number;
  itemsPerSec: number;
  [detail: string]: number;
}

export interface JobProgressInfo {
  done: number;
  total: number;
  percent: number;
}

/**
 * Retries with exponential backoff (1 s, 2 s, 4 s…), and finished jobs kept bounded both by count
 * and by age (seconds) so the queue Redis never grows without limit.
 */
export const defaultJobOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { count: 200, age: 24 * 3600 },
  removeOnFail: { count: 500, age: 7 * 24 * 3600 },
} satisfies DefaultJobOptions;

export interface JobView {
  id: string;
  name: string;
  state: string;
  progress: unknown;
  data: unknown;
  result: unknown;
  failedReason: string | null;
  attemptsMade: number;
  createdAt: number;
  processedAt: number | null;
  finishedAt: number | null;
}

export function toJobView(job: Job, state: string): JobView {
  return {
    id: String(job.id),
    name: job.name,
    state,
    progress: job.progress ?? 0,
    data: job.data ?? null,
    result: job.returnvalue ?? null,
    failedReason: job.failedReason || null,
    attemptsMade: job.attemptsMade,
    createdAt: job.timestamp,
    processedAt: job.processedOn ?? null,
    finishedAt: job.finishedOn ?? null,
  };
}

export interface QueueDeps {
  /** ioredis options (or an ioredis client) for the queue Redis; see connections.queueConnectionOptions(). */
  connection: QueueConnection | ConnectionOptions;
  /** keys.jobsPrefix ('bull', or '{bull}' in a cluster). */
  prefix?: string;
}

export interface JobProducer {
  readonly queue: Queue;
  /** Validates the payload (ValidationError → 400) and adds the job with the default options. */
  enqueue<N extends JobName>(name: N, payload?: unknown): Promise<JobView>;
  /** The `n` most recent jobs of every state, newest first. */
  list(n?: number): Promise<JobView[]>;
  get(id: string): Promise<JobView | null>;
  counts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

const listedStates: JobType[] = ['active', 'waiting', 'prioritized', 'delayed', 'completed', 'failed'];

/**
 * ioredis 6's RedisOptions and BullMQ's structural copy of them disagree on a few callback
 * signatures; the values are the same objects, so the cast is confined here.
 */
export function bullConnection(connection: QueueDeps['connection']): ConnectionOptions {
  return connection as ConnectionOptions;
}

export function createQueue(deps: QueueDeps): Queue {
  return new Queue(QUEUE_NAME, {
    connection: bullConnection(deps.connection),
    prefix: deps.prefix ?? 'bull',
    defaultJobOptions,
  });
}

/** QueueEvents for the API's live view (progress, completed, failed…); the caller closes it. */
export function createQueueEvents(deps: QueueDeps): QueueEvents {
  return new QueueEvents(QUEUE_NAME, {
    connection: bullConnection(deps.connection),
    prefix: deps.prefix ?? 'bull',
  });
}

export function createJobProducer(deps: QueueDeps): JobProducer {
  const queue = createQueue(deps);

  return {
    queue,
    async enqueue(name, payload) {
      if (!isJobName(name)) throw new ValidationError(`unknown job name: ${String(name)}`);
      const data = parseJobPayload(name, payload);
      const job = await queue.add(name, data);
      return toJobView(job, 'waiting');
    },
    async list(n = 20) {
      const limit = Math.max(1, Math.min(Math.trunc(n) || 20, 500));
      const perState = await Promise.all(
        listedStates.map(async (state) => {
          const jobs = await queue.getJobs(state, 0, limit - 1, false);
          return jobs.filter(Boolean).map((job) => toJobView(job, state));
        }),
      );
      return perState
        .flat()
        .sort((a, b) => b.createdAt - a.createdAt)
        .slice(0, limit);
    },
    async get(id) {
      const job = await queue.getJob(id);
      if (!job) return null;
      return toJobView(job, await job.getState());
    },
    async counts() {
      return queue.getJobCounts('active', 'waiting', 'prioritized', 'delayed', 'completed', 'failed');
    },
    async close() {
      await queue.close();
    },
  };
}
