import type { ChangeStreamView } from '@app/api-types';
import { type ChangeStreamStatus, readWorkerStatus, type WorkerHeartbeat } from '@app/redis-core';
import type { AppContext } from '../../context.js';

/** A live state first: the one consumer that streams, else the most hopeful standby. */
const RANK: Record<string, number> = { streaming: 0, standby: 1, starting: 2, retrying: 3, stopped: 4 };

export function changeStreamViewOf(workers: WorkerHeartbeat[]): ChangeStreamView | null {
  const consumers = workers.filter(
    (w): w is WorkerHeartbeat & { changeStream: ChangeStreamStatus } => w.changeStream !== undefined,
  );
  const best = [...consumers].sort(
    (a, b) => (RANK[a.changeStream.state] ?? 9) - (RANK[b.changeStream.state] ?? 9),
  )[0];
  if (!best) return null;
  const s = best.changeStream;
  return {
    state: s.state,
    slot: s.slot,
    worker_id: best.workerId,
    consumers: consumers.length,
    lag_bytes: s.lagBytes,
    events_per_second: s.eventsPerSecond,
    events: s.events,
    commits: s.commits,
    latency_ms: s.latencyMs,
    slot_recreations: s.slotRecreations,
    namespace_flushes: s.namespaceFlushes,
    last_error: s.lastError,
    recent: s.recent.map((r) => ({ ids: r.ids, truncated: r.truncated, at: r.at, latency_ms: r.latencyMs })),
  };
}

export interface ChangeStreamViewSource {
  /** The last view read (null before the first read, or when no worker runs a consumer). */
  current(): ChangeStreamView | null;
  /** Reads the workers' heartbeats now. */
  refresh(): Promise<ChangeStreamView | null>;
  close(): void;
}

/**
 * The postgres store's consumer runs in the workers; the API learns its state from their
 * heartbeats, read every `everyMs` in the background so /metrics scrapes cost Redis nothing.
 * With the Redis store there is no stream: nothing is polled.
 */
export function createChangeStreamView(
  ctx: Pick<AppContext, 'connections' | 'keys' | 'catalogStore'>,
  everyMs = 2_000,
): ChangeStreamViewSource {
  let view: ChangeStreamView | null = null;
  const enabled = ctx.catalogStore?.kind === 'postgres';
  const refresh = async () => {
    if (!enabled) return null;
    view = changeStreamViewOf((await readWorkerStatus(ctx.connections.writer, ctx.keys)).workers);
    return view;
  };
  const timer = enabled ? setInterval(() => void refresh().catch(() => {}), everyMs) : null;
  timer?.unref();
  if (enabled) void refresh().catch(() => {});
  return {
    current: () => view,
    refresh,
    close: () => {
      if (timer) clearInterval(timer);
    },
  };
}
