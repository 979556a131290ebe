/**
 * The worker's side of the postgres store: consume PostgreSQL's change stream and invalidate the
 * cache for every committed change, whoever made it (the API, another service, psql). The
 * consumer confirms a position only after the applier below resolved, i.e. after Redis applied
 * the invalidation. Every worker starts one; PostgreSQL lets one of them stream the slot, the
 * others stand by and take over.
 */
import {
  type ChangeStreamConsumer,
  createCacheInvalidator,
  createChangeStreamConsumer,
  type InvalidationTarget,
  slotStatus,
} from '@app/catalog-postgres';
import type { ChangeStreamStatus } from '@app/redis-core';
import type pg from 'pg';
import type { Logger } from './ports.js';

export interface WorkerChangeStream {
  readonly consumer: ChangeStreamConsumer;
  status(): ChangeStreamStatus;
  stop(): Promise<void>;
}

/** Starts the consumer and a lag probe (slot position vs the server's, every `lagEveryMs`). */
export function startChangeStream(deps: {
  databaseUrl: string;
  pool: pg.Pool;
  cache: InvalidationTarget;
  logger: Logger;
  slotName?: string;
  lagEveryMs?: number;
}): WorkerChangeStream {
  const consumer = createChangeStreamConsumer({
    databaseUrl: deps.databaseUrl,
    pool: deps.pool,
    applier: createCacheInvalidator(deps.cache),
    ...(deps.slotName ? { slotName: deps.slotName } : {}),
    logger: deps.logger,
  });
  let lagBytes: number | null = null;
  const probe = async () => {
    try {
      lagBytes = (await slotStatus(deps.pool, consumer.slotName)).lagBytes;
    } catch {
      lagBytes = null;
    }
  };
  const timer = setInterval(() => void probe(), deps.lagEveryMs ?? 2_000);
  timer.unref();
  consumer.start();
  return {
    consumer,
    status() {
      const s = consumer.stats();
      return {
        state: s.state,
        slot: consumer.slotName,
        lastError: s.lastError,
        lagBytes,
        events: s.events,
        commits: s.commits,
        eventsPerSecond: s.eventsPerSecond,
        latencyMs: s.latencyMs,
        slotRecreations: s.slotRecreations,
        namespaceFlushes: s.namespaceFlushes,
        confirmedLsn: s.confirmedLsn,
        recent: s.recent.slice(0, 10),
      };
    },
    async stop() {
      clearInterval(timer);
      await consumer.stop();
    },
  };
}
