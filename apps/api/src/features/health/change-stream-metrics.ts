import { Gauge, type Registry } from 'prom-client';
import type { ChangeStreamViewSource } from './change-stream-view.js';

/**
 * The postgres store's change stream in /metrics, from the view the API keeps (no Redis call per
 * scrape). A value nobody measured yet (no consumer, no commit) is NaN.
 */
export function registerChangeStreamMetrics(registry: Registry, source: ChangeStreamViewSource): void {
  const gauge = (
    name: string,
    help: string,
    value: () => number | null | undefined,
    labelNames: string[] = [],
  ) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        const v = value();
        // Nothing measured yet reads NaN (Prometheus' "no value"), never a made-up 0.
        this.set(v ?? Number.NaN);
      },
    });
  gauge('change_stream_up', '1 when a worker streams the PostgreSQL change stream, else 0', () =>
    source.current()?.state === 'streaming' ? 1 : 0,
  );
  gauge(
    'change_stream_slot_lag_bytes',
    'WAL the replication slot holds back (server position - confirmed)',
    () => source.current()?.lag_bytes,
  );
  gauge(
    'change_stream_events_per_second',
    'Product changes applied per second (last 10 s)',
    () => source.current()?.events_per_second,
  );
  gauge(
    'change_stream_commit_to_invalidation_p50_ms',
    'Commit to Redis invalidation, median (ms)',
    () => source.current()?.latency_ms.p50,
  );
  gauge(
    'change_stream_commit_to_invalidation_p99_ms',
    'Commit to Redis invalidation, 99th percentile (ms)',
    () => source.current()?.latency_ms.p99,
  );
  gauge(
    'change_stream_slot_recreations',
    'Replication slots the active consumer created (each flushes the cache)',
    () => source.current()?.slot_recreations,
  );
}
