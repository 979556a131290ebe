import type { Pgoutput } from 'pg-logical-replication';

/**
 * One product's last committed change in a batch, as a fence: a fill that read a version below
 * `version` holds data older than this change and must not be stored. An insert or update gives
 * the row's new version; a delete the deleted row's version + 1 (REPLICA IDENTITY FULL sends the
 * old row); null when the old version is unknown (identity changed by hand): no version passes.
 */
export interface ProductChange {
  id: string;
  version: number | null;
  deleted: boolean;
}

/** Committed transactions merged for one application to Redis, confirmed together after it. */
export interface ChangeBatch {
  /** Last change per product, in stream order. */
  changes: ProductChange[];
  /** A TRUNCATE of products was committed: every entry must go. */
  truncated: boolean;
  commits: number;
  /** Commit time (ms since epoch) of each transaction, for commit→invalidation latency. */
  commitTimesMs: number[];
  /** End of the last commit record: the position to confirm once applied. */
  endLsn: bigint;
}

interface OpenTransaction {
  changes: Map<string, Omit<ProductChange, 'id'>>;
  truncated: boolean;
}

export interface CommittedTransaction extends OpenTransaction {
  commitTimeMs: number;
  endLsn: bigint;
}

/**
 * Folds pgoutput messages into committed transactions. Only `products` rows matter; the
 * publication covers nothing else, but a relation check keeps a widened publication harmless.
 */
export class TransactionAssembler {
  #open: OpenTransaction | null = null;
  readonly #table: string;

  constructor(table = 'products') {
    this.#table = table;
  }

  /** True between a BEGIN and its COMMIT: positions inside it must not be confirmed. */
  get inTransaction(): boolean {
    return this.#open !== null;
  }

  reset(): void {
    this.#open = null;
  }

  /** Feeds one message; returns the transaction when the message was its COMMIT. */
  push(message: Pgoutput.Message, parseLsn: (lsn: string) => bigint): CommittedTransaction | null {
    switch (message.tag) {
      case 'begin':
        this.#open = { changes: new Map(), truncated: false };
        return null;
      case 'insert':
        if (message.relation.name === this.#table) this.#set(message.new.id, message.new.version, false);
        return null;
      case 'update': {
        if (message.relation.name !== this.#table) return null;
        // A changed primary key arrives as the old key plus the new row: the old id is gone.
        const old = message.old ?? message.key;
        if (old?.id !== undefined && old.id !== message.new.id) this.#set(old.id, old.version, true);
        this.#set(message.new.id, message.new.version, false);
        return null;
      }
      case 'delete': {
        const old = message.old ?? message.key;
        if (message.relation.name === this.#table && old?.id !== undefined)
          this.#set(old.id, old.version, true);
        return null;
      }
      case 'truncate':
        if (this.#open && message.relations.some((r) => r.name === this.#table)) this.#open.truncated = true;
        return null;
      case 'commit': {
        const open = this.#open ?? { changes: new Map(), truncated: false };
        this.#open = null;
        return {
          ...open,
          commitTimeMs: Number(BigInt(message.commitTime.toString()) / 1000n),
          endLsn: parseLsn(message.commitEndLsn ?? '0/0'),
        };
      }
      default:
        return null;
    }
  }

  /** `version` is the row's (new row's, or deleted row's) version as the stream sent it. */
  #set(id: unknown, version: unknown, deleted: boolean): void {
    if (!this.#open || typeof id !== 'string') return;
    const known = version === null || version === undefined ? null : Number(version);
    // Re-set so Map order is the order of each id's last change.
    this.#open.changes.delete(id);
    this.#open.changes.set(id, { version: known === null ? null : deleted ? known + 1 : known, deleted });
  }
}

/** Merges queued transactions (catch-up after a restart) into one batch; later changes win. */
export function mergeTransactions(transactions: CommittedTransaction[]): ChangeBatch {
  const changes = new Map<string, Omit<ProductChange, 'id'>>();
  let truncated = false;
  for (const t of transactions) {
    // Earlier changes stay listed after a TRUNCATE: their fences still matter to fills in flight.
    if (t.truncated) truncated = true;
    for (const [id, change] of t.changes) {
      changes.delete(id);
      changes.set(id, change);
    }
  }
  const last = transactions[transactions.length - 1];
  return {
    changes: [...changes].map(([id, change]) => ({ id, ...change })),
    truncated,
    commits: transactions.length,
    commitTimesMs: transactions.map((t) => t.commitTimeMs),
    endLsn: last?.endLsn ?? 0n,
  };
}
