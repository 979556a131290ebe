import type {
  JobEnqueuedResponse,
  JobName,
  JobState,
  JobSummary,
  JobsResponse,
  WorkerStatus,
} from '@app/api-types';
import { type JobView, readWorkerStatus } from '@app/redis-core';
import type { AppContext } from '../../context.js';
import { withTimeout } from '../../http/timeout.js';

export function jobBody(j: JobView): JobSummary {
  return {
    id: j.id,
    name: j.name as JobName,
    state: j.state as JobState,
    progress: (typeof j.progress === 'number' || (typeof j.progress === 'object' && j.progress !== null)
      ? j.progress
      : 0) as number | object,
    data: j.data,
    result: j.result,
    failed_reason: j.failedReason,
    attempts_made: j.attemptsMade,
    created_at: j.createdAt,
    finished_at: j.finishedAt,
  };
}

export function enqueuedBody(j: JobView): JobEnqueuedResponse {
  return { id: j.id, name: j.name as JobName, state: j.state as JobState };
}

async function workerStatus(ctx: Pick<AppContext, 'connections' | 'keys'>): Promise<WorkerStatus> {
  const s = await readWorkerStatus(ctx.connections.writer, ctx.keys);
  const lastResults: WorkerStatus['last_results'] = {};
  for (const [name, r] of Object.entries(s.lastResults)) {
    lastResults[name] = {
      job_id: r.jobId,
      ok: r.ok,
      finished_at: r.finishedAt,
      ...(r.summary ? { summary: r.summary } : {}),
      ...(r.error ? { error: r.error } : {}),
    };
  }
  return {
    alive: s.alive,
    last_heartbeat: s.lastHeartbeat,
    last_results: lastResults,
    workers: s.workers.map((w) => ({
      worker_id: w.workerId,
      pid: w.pid,
      host: w.host,
      concurrency: w.concurrency,
      active: w.active,
      started_at: w.startedAt,
      at: w.at,
    })),
  };
}

/**
 * Recent jobs and the worker's health. BullMQ's connection queues commands while its Redis is
 * down (its workers need that), so every queue call here is bounded by a timeout → 503.
 */
export async function readJobs(
  ctx: Pick<AppContext, 'jobs' | 'connections' | 'keys' | 'config'>,
  limit: number,
): Promise<JobsResponse> {
  const timeoutMs = queueTimeoutMs(ctx.config.commandTimeoutMs);
  const [jobs, worker] = await Promise.all([
    withTimeout(ctx.jobs.list(limit), timeoutMs, 'listing jobs'),
    workerStatus(ctx),
  ]);
  return { jobs: jobs.map(jobBody), worker };
}

export function queueTimeoutMs(commandTimeoutMs: number): number {
  return Math.max(1000, commandTimeoutMs * 2);
}
