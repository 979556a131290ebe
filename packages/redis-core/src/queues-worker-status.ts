/**
 * Worker liveness and last results, written by every worker process and read by the API.
 *
 * Layout (under the keyspace's jobsPrefix, so in a cluster '{bull}' puts them in one slot and the
 * MULTI below stays single-slot):
 *   <prefix>:worker:cache-jobs:alive            sorted set  workerId → last heartbeat (ms)
 *   <prefix>:worker:cache-jobs:hb:<workerId>    string      JSON heartbeat, PX = ttl
 *   <prefix>:worker:cache-jobs:results          hash        jobName → JSON last result
 * A worker that dies simply stops refreshing: its heartbeat expires and the read filters it out.
 */
import type { Cluster, Redis } from 'ioredis';

const QUEUE = 'cache-jobs';
const DEFAULT_TTL_MS = 10_000;

export interface WorkerHeartbeat {
  workerId: string;
  pid: number;
  host: string;
  concurrency: number;
  /** Jobs running in this process right now. */
  active: number;
  startedAt: number;
  at: number;
}

export interface WorkerJobResult {
  jobId: string;
  ok: boolean;
  finishedAt: number;
  /** The job's return value ({ items, ms, itemsPerSec, … }) when ok. */
  summary?: Record<string, number>;
  error?: string;
}

export interface WorkerStatus {
  alive: boolean;
  lastHeartbeat: number | null;
  workers: WorkerHeartbeat[];
  lastResults: Record<string, WorkerJobResult>;
}

interface StatusKeyspace {
  jobsPrefix: string;
}

function statusKeys(keys: StatusKeyspace) {
  const base = `${keys.jobsPrefix}:worker:${QUEUE}`;
  return {
    alive: `${base}:alive`,
    heartbeat: (workerId: string) => `${base}:hb:${workerId}`,
    results: `${base}:results`,
  };
}

/** Call every ~2 s; `ttlMs` (default 10 s) is how long the worker counts as alive without a new beat. */
export async function writeWorkerHeartbeat(
  client: Redis | Cluster,
  keys: StatusKeyspace,
  status: Omit<WorkerHeartbeat, 'at'> & { at?: number },
  ttlMs = DEFAULT_TTL_MS,
): Promise<void> {
  const k = statusKeys(keys);
  const at = status.at ?? Date.now();
  const beat: WorkerHeartbeat = { ...status, at };
  await client
    .multi()
    .set(k.heartbeat(status.workerId), JSON.stringify(beat), 'PX', ttlMs)
    .zadd(k.alive, at, status.workerId)
    .zremrangebyscore(k.alive, '-inf', at - ttlMs)
    .pexpire(k.alive, ttlMs)
    .exec();
}

/** On graceful shutdown: the worker disappears at once instead of after the TTL. */
export async function removeWorkerHeartbeat(
  client: Redis | Cluster,
  keys: StatusKeyspace,
  workerId: string,
): Promise<void> {
  const k = statusKeys(keys);
  await client.multi().del(k.heartbeat(workerId)).zrem(k.alive, workerId).exec();
}

export async function recordWorkerResult(
  client: Redis | Cluster,
  keys: StatusKeyspace,
  jobName: string,
  result: WorkerJobResult,
): Promise<void> {
  await client.hset(statusKeys(keys).results, jobName, JSON.stringify(result));
}

function parseJson<T>(raw: string | null | undefined): T | null {
  if (!raw) return null;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return null;
  }
}

export async function readWorkerStatus(
  client: Redis | Cluster,
  keys: StatusKeyspace,
  ttlMs = DEFAULT_TTL_MS,
): Promise<WorkerStatus> {
  const k = statusKeys(keys);
  const now = Date.now();
  const [ids, rawResults] = await Promise.all([
    client.zrangebyscore(k.alive, now - ttlMs, '+inf'),
    client.hgetall(k.results),
  ]);
  const beats = ids.length > 0 ? await client.mget(...ids.map((id) => k.heartbeat(id))) : [];
  const workers = beats
    .map((raw) => parseJson<WorkerHeartbeat>(raw))
    .filter((b): b is WorkerHeartbeat => b !== null)
    .sort((a, b) => b.at - a.at);
  const lastResults: Record<string, WorkerJobResult> = {};
  for (const [name, raw] of Object.entries(rawResults ?? {})) {
    const parsed = parseJson<WorkerJobResult>(raw);
    if (parsed) lastResults[name] = parsed;
  }
  return {
    alive: workers.length > 0,
    lastHeartbeat: workers[0]?.at ?? null,
    workers,
    lastResults,
  };
}
