import type pg from 'pg';
import { LogicalReplicationService, type Pgoutput, PgoutputPlugin } from 'pg-logical-replication';
import {
  type ChangeBatch,
  type CommittedTransaction,
  mergeTransactions,
  TransactionAssembler,
} from './change-batch.js';
import { formatLsn, parseLsn } from './lsn.js';
import { DEFAULT_SLOT, ensureSlot, markFlushed, PUBLICATION } from './slot-admin.js';
import { createStreamStats, type StreamStats } from './stream-stats.js';

export type ConsumerState = 'stopped' | 'starting' | 'standby' | 'streaming' | 'retrying';

/** What the consumer drives; both must throw when Redis did not apply the work. */
export interface ChangeApplier {
  /** Invalidate what the batch changed. Resolving means Redis has applied it. */
  apply(batch: ChangeBatch): Promise<void>;
  /** Drop every cache entry and cached query (a new slot: changes before it are unknown). */
  flush(): Promise<void>;
}

export interface ChangeStreamDeps {
  databaseUrl: string;
  /** For slot administration and status queries (not the replication connection). */
  pool: pg.Pool;
  applier: ChangeApplier;
  slotName?: string;
  retryDelayMs?: number;
  logger?: {
    info(obj: object, msg?: string): void;
    warn(obj: object, msg?: string): void;
  };
}

export interface ChangeStreamConsumer {
  start(): void;
  stop(): Promise<void>;
  readonly state: ConsumerState;
  readonly slotName: string;
  stats(): ReturnType<StreamStats['snapshot']> & { state: ConsumerState; lastError: string | null };
}

const SLOT_IN_USE = '55006';

/**
 * Consumes the products publication through a persistent logical replication slot (pgoutput)
 * and hands committed changes to the applier. A position is confirmed to PostgreSQL only after
 * the applier resolved for every transaction up to it, so a crash, a Redis outage or a lost
 * connection replays changes (at-least-once) and never skips one.
 *
 * One active consumer: PostgreSQL lets one connection stream a slot at a time; a second worker
 * is refused (55006), stays in `standby` and retries, and takes over once the first is gone.
 *
 * pg-logical-replication 2.5's automatic acknowledgement is off (auto: false, timeoutSeconds: 0):
 * its timer would confirm the last *received* position (its issue #174). Its acknowledge(lsn)
 * reports lsn + 1, so we pass the commit end − 1: confirming past a commit's end could skip a
 * transaction whose commit record starts exactly there on the next start.
 */
export function createChangeStreamConsumer(deps: ChangeStreamDeps): ChangeStreamConsumer {
  const slot = deps.slotName ?? DEFAULT_SLOT;
  const retryDelayMs = deps.retryDelayMs ?? 1_000;
  const stats = createStreamStats();
  let state: ConsumerState = 'stopped';
  let lastError: string | null = null;
  let running = false;
  let loop: Promise<void> | null = null;
  let service: LogicalReplicationService | null = null;
  let wake: (() => void) | null = null;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  /** One replication session: resolves or rejects when it ends. */
  async function stream(): Promise<void> {
    const assembler = new TransactionAssembler();
    const queue: CommittedTransaction[] = [];
    let confirmed = 0n;
    let processing = false;
    let failed: unknown = null;
    const current = new LogicalReplicationService(
      { connectionString: deps.databaseUrl, keepAlive: true, connectionTimeoutMillis: 5_000 },
      { acknowledge: { auto: false, timeoutSeconds: 0 } },
    );
    service = current;

    const confirm = (lsn: bigint) => current.acknowledge(lsn > 0n ? formatLsn(lsn - 1n) : '0/0');

    const drain = async () => {
      if (processing || failed) return;
      processing = true;
      try {
        while (queue.length > 0 && !failed) {
          const batch = mergeTransactions(queue.splice(0, queue.length));
          await deps.applier.apply(batch);
          stats.applied(batch, Date.now());
          confirmed = batch.endLsn;
          stats.confirmed(formatLsn(confirmed));
          await confirm(confirmed);
        }
      } catch (err) {
        // Nothing after the last confirmed commit is acknowledged: a new session replays it.
        failed = err;
        lastError = (err as Error).message;
        deps.logger?.warn({ err: lastError, slot }, 'change stream: invalidation not applied, reconnecting');
        current.stop().catch(() => {});
      } finally {
        processing = false;
      }
    };

    current.on('data', (_lsn: string, message: Pgoutput.Message) => {
      if (failed) return;
      const committed = assembler.push(message, parseLsn);
      if (committed) {
        queue.push(committed);
        void drain();
      }
    });
    current.on('heartbeat', (lsn: string, _timestamp: number, shouldRespond: boolean) => {
      // Idle (everything received is applied, no transaction open): the server's position may be
      // confirmed, so WAL written for other tables is released. Otherwise only what was applied.
      const idle = queue.length === 0 && !processing && !assembler.inTransaction && !failed;
      const position = idle ? parseLsn(lsn) : confirmed;
      if (idle && position > confirmed) confirmed = position;
      if (idle || shouldRespond) void confirm(position).catch(() => {});
    });
    current.on('error', (err: Error) => {
      lastError = err.message;
    });
    current.on('start', () => {
      state = 'streaming';
      lastError = null;
      deps.logger?.info({ slot }, 'change stream: streaming');
    });

    try {
      await current.subscribe(new PgoutputPlugin({ protoVersion: 1, publicationNames: [PUBLICATION] }), slot);
    } finally {
      await current.stop().catch(() => {});
      current.removeAllListeners();
      if (service === current) service = null;
    }
    if (failed) throw failed;
  }

  async function run(): Promise<void> {
    while (running) {
      try {
        if (state !== 'standby') state = 'starting';
        const ensured = await ensureSlot(deps.pool, slot);
        if (ensured.created) {
          stats.slotCreated();
          deps.logger?.warn(
            { slot, reason: ensured.created, epoch: ensured.epoch },
            'change stream: replication slot created; changes before it are unknown, flushing the cache namespace',
          );
        }
        // Flushed AFTER the slot exists: a change from then on is in the stream, one before is
        // covered by the flush. Recorded in PostgreSQL, so a crash in between flushes again.
        if (!ensured.flushed) {
          await deps.applier.flush();
          await markFlushed(deps.pool, slot, ensured.epoch);
          stats.flushed();
          deps.logger?.warn(
            { slot, epoch: ensured.epoch },
            'change stream: cache namespace flushed for a new slot',
          );
        }
        await stream();
        if (running) state = 'retrying';
      } catch (err) {
        const code = (err as { code?: string }).code;
        lastError = (err as Error).message;
        if (code === SLOT_IN_USE) {
          if (state !== 'standby')
            deps.logger?.info({ slot }, 'change stream: slot in use by another worker, standing by');
          state = 'standby';
        } else {
          if (state !== 'retrying') deps.logger?.warn({ slot, err: lastError }, 'change stream: retrying');
          state = 'retrying';
        }
      }
      if (running) await sleep(retryDelayMs);
    }
  }

  return {
    get state() {
      return state;
    },
    slotName: slot,
    start() {
      if (running) return;
      running = true;
      state = 'starting';
      loop = run();
    },
    async stop() {
      running = false;
      wake?.();
      await service?.stop().catch(() => {});
      await loop;
      loop = null;
      state = 'stopped';
    },
    stats() {
      return { ...stats.snapshot(), state, lastError };
    },
  };
}
