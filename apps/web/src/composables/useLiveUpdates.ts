import type { StreamEvents } from '@app/api-types';
import { watch } from 'vue';
import { useConfigStore } from '../stores/config.js';
import { useConnectionStore } from '../stores/connection.js';
import { useHistoryStore } from '../stores/history.js';
import { useJobsStore } from '../stores/jobs.js';
import { useReplicationStore } from '../stores/replication.js';
import { useStatsStore } from '../stores/stats.js';
import { type EventStreamOptions, useEventStream } from './useEventStream.js';
import { usePolling } from './usePolling.js';

/**
 * Wires GET /api/stream into the stores, keeps /readyz polled, and reloads what the stream does
 * not carry whenever it comes back after an interruption. Call once, from the root component.
 */
export function useLiveUpdates(options: EventStreamOptions & { readinessEveryMs?: number } = {}) {
  const stats = useStatsStore();
  const replication = useReplicationStore();
  const jobs = useJobsStore();
  const history = useHistoryStore();
  const config = useConfigStore();
  const connection = useConnectionStore();

  // First paint without waiting for the first event.
  void config.load();
  void stats.load();
  void replication.load();
  void jobs.load();

  const stream = useEventStream<StreamEvents>(
    '/api/stream',
    {
      stats: (payload) => stats.ingest(payload),
      replication: (payload) => replication.ingest(payload),
      jobs: (payload) => jobs.ingest(payload),
      job: (event) => jobs.applyEvent(event),
    },
    options,
  );

  watch([stream.state, stream.retryAt], ([state, retryAt]) => connection.setStream(state, retryAt), {
    immediate: true,
  });

  let interrupted = false;
  watch(stream.state, (state) => {
    if (state === 'reconnecting') interrupted = true;
    if (state === 'open' && interrupted) {
      interrupted = false;
      void config.load();
      void history.load();
      void connection.checkReadiness();
    }
  });

  usePolling(() => connection.checkReadiness(), options.readinessEveryMs ?? 5000);

  return stream;
}
