import type { ChangeBatch } from './change-batch.js';

const LATENCY_SAMPLES = 2_048;
const RATE_WINDOW_MS = 10_000;
const RECENT = 20;

export interface RecentInvalidation {
  ids: string[];
  truncated: boolean;
  at: number;
  latencyMs: number;
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? null;
}

/** The consumer's counters: what /metrics, readiness and the monitor's panel show. */
export function createStreamStats() {
  let events = 0;
  let commits = 0;
  let slotRecreations = 0;
  let namespaceFlushes = 0;
  let confirmedLsn: string | null = null;
  let lastAppliedAt: number | null = null;
  const latencies: number[] = [];
  const perSecond: { t: number; n: number }[] = [];
  const recent: RecentInvalidation[] = [];

  return {
    applied(batch: ChangeBatch, now: number): void {
      events += batch.changes.length;
      commits += batch.commits;
      lastAppliedAt = now;
      for (const t of batch.commitTimesMs) {
        latencies.push(Math.max(0, now - t));
        if (latencies.length > LATENCY_SAMPLES) latencies.shift();
      }
      const second = Math.floor(now / 1000) * 1000;
      const last = perSecond[perSecond.length - 1];
      if (last && last.t === second) last.n += batch.changes.length;
      else perSecond.push({ t: second, n: batch.changes.length });
      while ((perSecond[0]?.t ?? now) < now - RATE_WINDOW_MS) perSecond.shift();
      recent.unshift({
        ids: batch.changes.slice(0, 10).map((c) => c.id),
        truncated: batch.truncated,
        at: now,
        latencyMs: Math.max(0, now - (batch.commitTimesMs[batch.commitTimesMs.length - 1] ?? now)),
      });
      if (recent.length > RECENT) recent.pop();
    },
    confirmed(lsn: string): void {
      confirmedLsn = lsn;
    },
    slotCreated(): void {
      slotRecreations++;
    },
    flushed(): void {
      namespaceFlushes++;
    },
    snapshot(now = Date.now()) {
      const sorted = [...latencies].sort((a, b) => a - b);
      const windowEvents = perSecond.filter((s) => s.t >= now - RATE_WINDOW_MS).reduce((a, s) => a + s.n, 0);
      return {
        events,
        commits,
        slotRecreations,
        namespaceFlushes,
        confirmedLsn,
        lastAppliedAt,
        eventsPerSecond: windowEvents / (RATE_WINDOW_MS / 1000),
        latencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), samples: sorted.length },
        recent: [...recent],
      };
    },
  };
}

export type StreamStats = ReturnType<typeof createStreamStats>;
