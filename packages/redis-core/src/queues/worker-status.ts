/**
 * Worker liveness and last results, written by every worker process and read by the API, in the
 * main Redis (the keyspace's keys):
 *   worker:heartbeat            sorted set  workerId → last heartbeat (ms), PX = ttl
 *   worker:beat.<workerId>      string      JSON heartbeat, PX = ttl
 *   worker:results              hash        jobName → JSON last result
 * A worker that dies simply stops refreshing: its beat expires and reads filter it out. The
 * commands are sent back to back rather than in MULTI because in a cluster these keys live in
 * different slots; a torn heartbeat only costs one beat.
 */
import type { Cluster, Redis } from 'ioredis';
import type { Keyspace } from '../keys/index.js';

const DEFAULT_TTL_MS = 10_000;

/** The postgres store's change-stream consumer in one worker, as its heartbeat carries it. */
export interface ChangeStreamStatus {
  /** `streaming` (the active consumer), `standby` (another worker streams), `starting`, `retrying`, `stopped`. */
  state: string;
  slot: string;
  lastError: string | null;
  /** WAL held back by the slot: the server's position minus the confirmed one. */
  lagBytes: number | null;
  events: number;
  commits: number;
  eventsPerSecond: number;
  /** Commit (PostgreSQL's commit timestamp) → Redis applied the invalidation. */
  latencyMs: { p50: number | null; p99: number | null; samples: number };
  slotRecreations: number;
  namespaceFlushes: number;
  confirmedLsn: string | null;
  recent: { ids: string[]; truncated: boolean; at: number; latencyMs: number }[];
}

export interface WorkerHeartbeat {
  workerId: string;
  pid: number;
  host: string;
  concurrency: number;
  /** Jobs running in this process right now. */
  active: number;
  startedAt: number;
  at: number;
  /** Present when the worker runs the postgres store's change-stream consumer. */
  changeStream?: ChangeStreamStatus;
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

type StatusKeyspace = Pick<Keyspace, 'workerHeartbeat' | 'worker'>;

function statusKeys(keys: StatusKeyspace) {
  return {
    alive: keys.workerHeartbeat(),
    heartbeat: (workerId: string) => keys.worker(`beat.${workerId}`),
    results: keys.worker('results'),
  };
}

/** A worker id usable in a key: host, pid and a random suffix, restricted to [A-Za-z0-9_.-]. */
export function newWorkerId(host: string, pid: number): string {
  const safeHost = host.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 60) || 'host';
  return `${safeHost}.${pid}.${Math.random().toString(36).slice(2, 8)}`;
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
  await Promise.all([
    client.set(k.heartbeat(status.workerId), JSON.stringify(beat), 'PX', ttlMs),
    client.zadd(k.alive, at, status.workerId),
    client.zremrangebyscore(k.alive, '-inf', at - ttlMs),
    client.pexpire(k.alive, ttlMs),
  ]);
}

/** On graceful shutdown: the worker disappears at once instead of after the TTL. */
export async function removeWorkerHeartbeat(
  client: Redis | Cluster,
  keys: StatusKeyspace,
  workerId: string,
): Promise<void> {
  const k = statusKeys(keys);
  await Promise.all([client.del(k.heartbeat(workerId)), client.zrem(k.alive, workerId)]);
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
  // One GET per live worker (a handful), not MGET: the beat keys may sit in different cluster slots.
  const beats = await Promise.all(ids.map((id) => client.get(k.heartbeat(id))));
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
