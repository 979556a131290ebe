import type {
  JobEvent,
  JobName,
  JobSummary,
  JobsResponse,
  StreamErrorPayload,
  WorkerStatus,
} from '@app/api-types';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { ApiError } from '../api/client.js';
import { useApi } from '../api/inject.js';
import { isStreamError } from './stream-payload.js';

/**
 * Job progress as a percentage. The worker reports a number (0-100) or an object; the object
 * forms seen are `{percent}` and `{done, total}`-like counters.
 */
export function progressPercent(progress: unknown): number {
  if (typeof progress === 'number' && Number.isFinite(progress)) return Math.max(0, Math.min(100, progress));
  if (typeof progress !== 'object' || progress === null) return 0;
  const p = progress as Record<string, unknown>;
  if (typeof p.percent === 'number') return progressPercent(p.percent);
  const done = [p.done, p.processed, p.warmed, p.current].find((v) => typeof v === 'number') as
    | number
    | undefined;
  const total = [p.total, p.of].find((v) => typeof v === 'number') as number | undefined;
  if (done !== undefined && total !== undefined && total > 0) return progressPercent((done / total) * 100);
  return 0;
}

const FINISHED = new Set(['completed', 'failed']);
const MAX_JOBS = 12;

export const useJobsStore = defineStore('jobs', () => {
  const api = useApi();
  const jobs = ref<JobSummary[]>([]);
  const worker = ref<WorkerStatus | null>(null);
  const error = ref<StreamErrorPayload | ApiError | null>(null);
  const actionError = ref<ApiError | null>(null);
  const pending = ref<JobName | null>(null);

  function upsert(job: JobSummary) {
    const others = jobs.value.filter((j) => j.id !== job.id);
    jobs.value = [job, ...others].sort((a, b) => b.created_at - a.created_at).slice(0, MAX_JOBS);
  }

  /** The `jobs` snapshot is authoritative, except that a job never goes back from finished. */
  function ingest(payload: JobsResponse | StreamErrorPayload) {
    if (isStreamError(payload)) {
      error.value = payload;
      return;
    }
    error.value = null;
    worker.value = payload.worker;
    const known = new Map(jobs.value.map((j) => [j.id, j]));
    jobs.value = payload.jobs
      .map((job) => {
        const mine = known.get(job.id);
        return mine && FINISHED.has(mine.state) && !FINISHED.has(job.state) ? mine : job;
      })
      .slice(0, MAX_JOBS);
  }

  /** `job` events arrive between snapshots and move a bar forward at once. */
  function applyEvent(event: JobEvent) {
    const existing = jobs.value.find((j) => j.id === event.id);
    const base: JobSummary = existing ?? {
      id: event.id,
      name: event.name ?? 'warm-all',
      state: 'waiting',
      progress: 0,
      data: null,
      result: null,
      failed_reason: null,
      attempts_made: 0,
      created_at: event.at,
      finished_at: null,
    };
    const next: JobSummary = { ...base, name: event.name ?? base.name };
    switch (event.event) {
      case 'added':
        next.state = 'waiting';
        break;
      case 'active':
        if (!FINISHED.has(next.state)) next.state = 'active';
        break;
      case 'progress':
        if (!FINISHED.has(next.state)) next.state = 'active';
        if (event.progress !== undefined) next.progress = event.progress;
        break;
      case 'completed':
        next.state = 'completed';
        next.progress = 100;
        next.result = event.result ?? next.result;
        next.finished_at = event.at;
        break;
      case 'failed':
        next.state = 'failed';
        next.failed_reason = event.failed_reason ?? next.failed_reason;
        next.finished_at = event.at;
        break;
    }
    upsert(next);
  }

  async function load() {
    try {
      ingest(await api.getJobs(MAX_JOBS));
    } catch (err) {
      if (err instanceof ApiError) error.value = err;
      else throw err;
    }
  }

  async function run(
    name: JobName,
    start: () => Promise<{ id: string; name: JobName; state: JobSummary['state'] }>,
  ) {
    pending.value = name;
    try {
      const enqueued = await start();
      actionError.value = null;
      if (!jobs.value.some((j) => j.id === enqueued.id)) {
        upsert({
          ...enqueued,
          progress: 0,
          data: null,
          result: null,
          failed_reason: null,
          attempts_made: 0,
          created_at: Date.now(),
          finished_at: null,
        });
      }
      return enqueued;
    } catch (err) {
      if (err instanceof ApiError) actionError.value = err;
      else throw err;
      return null;
    } finally {
      pending.value = null;
    }
  }

  const warmAll = () => run('warm-all', api.warmAll);
  const warmCategory = (category: string) => run('warm-category', () => api.warmCategory(category));
  const warmTop = (n: number) => run('warm-top', () => api.warmTop(n));
  const refreshNow = () => run('refresh-ttl', api.refreshNow);

  const workerAlive = computed(() => worker.value?.alive ?? null);

  return {
    jobs,
    worker,
    workerAlive,
    error,
    actionError,
    pending,
    ingest,
    applyEvent,
    load,
    warmAll,
    warmCategory,
    warmTop,
    refreshNow,
  };
});
