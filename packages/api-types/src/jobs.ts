export type JobName = 'warm-all' | 'warm-category' | 'warm-top' | 'refresh-ttl';

export type JobState =
  | 'waiting'
  | 'active'
  | 'completed'
  | 'failed'
  | 'delayed'
  | 'prioritized'
  | 'waiting-children'
  | 'unknown';

/** POST /api/jobs/warm-category body. */
export interface WarmCategoryRequest {
  category: string;
}
/** POST /api/jobs/warm-top body. */
export interface WarmTopRequest {
  n: number;
}

/** 202 answer of every POST /api/jobs/*. */
export interface JobEnqueuedResponse {
  id: string;
  name: JobName;
  state: JobState;
}

export interface JobSummary {
  id: string;
  name: JobName;
  state: JobState;
  /** 0-100, or the object the worker reported. */
  progress: number | object;
  /** The job's payload, e.g. `{ category }`. */
  data: unknown;
  /** The worker's summary (`{ items, ms, itemsPerSec, … }`) once completed. */
  result: unknown;
  failed_reason: string | null;
  attempts_made: number;
  /** Epoch ms. */
  created_at: number;
  finished_at: number | null;
}

export interface WorkerJobResult {
  job_id: string;
  ok: boolean;
  /** Epoch ms. */
  finished_at: number;
  summary?: Record<string, number>;
  error?: string;
}

export interface WorkerProcess {
  worker_id: string;
  pid: number;
  host: string;
  concurrency: number;
  /** Jobs running in that process at its last heartbeat. */
  active: number;
  started_at: number;
  /** Epoch ms of its last heartbeat. */
  at: number;
}

export interface WorkerStatus {
  alive: boolean;
  /** Epoch ms, null when the worker never reported. */
  last_heartbeat: number | null;
  /** Last result per job name. */
  last_results: Record<string, WorkerJobResult>;
  /** Live worker processes, newest heartbeat first. */
  workers: WorkerProcess[];
}

/** GET /api/jobs?limit= (also the payload of the SSE `jobs` event). */
export interface JobsQuery {
  limit?: number;
}
export interface JobsResponse {
  jobs: JobSummary[];
  worker: WorkerStatus;
}
