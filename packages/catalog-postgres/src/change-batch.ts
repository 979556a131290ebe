import type { Pgoutput } from 'pg-logical-replication';

/** One product's last committed state in a batch: its new version, or null once deleted. */
export interface ProductChange {
  id: string;
  version: number | null;
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
  changes: Map<string, number | null>;
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
        if (message.relation.name === this.#table) this.#set(message.new.id, message.new.version);
        return null;
      case 'update': {
        if (message.relation.name !== this.#table) return null;
        // A changed primary key arrives as the old key plus the new row: the old id is gone.
        const oldId = message.key?.id ?? message.old?.id;
        if (oldId !== undefined && oldId !== message.new.id) this.#set(oldId, null);
        this.#set(message.new.id, message.new.version);
        return null;
      }
      case 'delete': {
        const id = message.key?.id ?? message.old?.id;
        if (message.relation.name === this.#table && id !== undefined) this.#set(id, null);
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

  #set(id: unknown, version: unknown): void {
    if (!this.#open || typeof id !== 'string') return;
    // Re-set so Map order is the order of each id's last change.
    this.#open.changes.delete(id);
    this.#open.changes.set(id, version === null || version === undefined ? null : Number(version));
  }
}

/** Merges queued transactions (catch-up after a restart) into one batch; later changes win. */
export function mergeTransactions(transactions: CommittedTransaction[]): ChangeBatch {
  const changes = new Map<string, number | null>();
  let truncated = false;
  for (const t of transactions) {
    // Earlier changes stay listed after a TRUNCATE: their fences still matter to fills in flight.
    if (t.truncated) truncated = true;
    for (const [id, version] of t.changes) {
      changes.delete(id);
      changes.set(id, version);
    }
  }
  const last = transactions[transactions.length - 1];
  return {
    changes: [...changes].map(([id, version]) => ({ id, version })),
    truncated,
    commits: transactions.length,
    commitTimesMs: transactions.map((t) => t.commitTimeMs),
    endLsn: last?.endLsn ?? 0n,
  };
}
