import type { RedisConnections } from '../connections/index.js';
import { createReadRouting } from '../connections/read-routing.js';
import { ValidationError } from '../errors.js';
import { guardRedis as guard } from '../guard.js';
import type { Keyspace } from '../keys/index.js';
import { loadScript } from '../lua-script.js';

/**
 * Search history: the latest searches (a capped list, newest first) and the most frequent
 * ones (a sorted set query → count). Queries are trimmed (inner whitespace collapsed) but keep
 * their case: the API records product ids, which are case-sensitive, and the worker warms
 * the cache from `top`, so "Prod1" and "prod1" must stay distinct.
 */
export interface History {
  /**
   * Adds a search to `recent`, and one to its count in `top` unless `client` (an address) already
   * counted for this query within the vote window: a client is one voice per query per window,
   * so repeating a read cannot steer what warm-top warms. Without `client` (internal callers)
   * every record counts.
   */
  record(query: string, client?: string): Promise<void>;
  /** Newest first; `at` is the time of the search in epoch milliseconds. */
  recent(n?: number): Promise<{ query: string; at: number }[]>;
  /** Most searched first. */
  top(n?: number): Promise<{ query: string; count: number }[]>;
  clear(): Promise<void>;
}

export interface HistoryDeps {
  connections: RedisConnections;
  keys: Keyspace;
  /** Length of the recent list (default 20). */
  maxRecent?: number;
  /**
   * Distinct queries the top set keeps (default 1000): past it the least searched is dropped,
   * so a brand-new query may not stay until it is searched again; `top(n)` with n ≤ maxTop is exact
   * for every query searched more than the weakest kept one.
   */
  maxTop?: number;
  /**
   * Searches recorded within this many ms share one write (default 100): under load the API
   * records every read, and one script call per 100 ms costs Redis and the API far less than one
   * per batch of requests. A search shows in `recent`/`top` at most this much later, and a crash
   * loses at most this window's searches (close() is not needed: nothing else is held back).
   */
  batchMs?: number;
  /** How long a client's vote for a query lasts in `top` counting (default one hour). */
  voteWindowMs?: number;
  /**
   * Distinct (client, query) pairs remembered per window (default 100,000, a few MB at most):
   * past it, new pairs do not count until the next window, so memory stays bounded.
   */
  maxVoters?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export const MAX_QUERY_LENGTH = 200;
interface Entry {
  query: string;
  at: number;
}
const recordScript = loadScript(new URL('./record-2.lua', import.meta.url));
const MAX_READ = 1000;

function checkCount(n: unknown, what: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_READ) {
    throw new ValidationError(`${what} must be an integer from 0 to ${MAX_READ}`);
  }
  return n;
}

/** Remembers which client already voted for which query in the current fixed window. */
function createVoteWindow(opts: { windowMs: number; maxPairs: number; now: () => number }) {
  let startedAt = opts.now();
  // Per client, its queries: a lookup allocates nothing (a `client + query` key would build a
  // string on every read of the API).
  let voted = new Map<string, Set<string>>();
  let pairs = 0;
  return {
    /** True the first time `client` votes for `query` in this window (and remembers it). */
    first(client: string, query: string): boolean {
      const at = opts.now();
      if (at - startedAt >= opts.windowMs) {
        startedAt = at;
        voted = new Map();
        pairs = 0;
      }
      let queries = voted.get(client);
      if (queries?.has(query) || pairs >= opts.maxPairs) return false;
      if (!queries) {
        queries = new Set();
        voted.set(client, queries);
      }
      queries.add(query);
      pairs++;
      return true;
    },
  };
}

/** Trimmed, inner whitespace collapsed; an id (no whitespace at all) is returned as it is. */
const HAS_SPACE = /\s/;
function normalize(query: string): string {
  return HAS_SPACE.test(query) ? query.trim().replace(/\s+/g, ' ') : query;
}

export function createHistory(deps: HistoryDeps): History {
  const { connections, keys } = deps;
  const maxRecent = deps.maxRecent ?? 20;
  const maxTop = deps.maxTop ?? 1000;
  const now = deps.now ?? Date.now;
  if (!Number.isInteger(maxRecent) || maxRecent < 1)
    throw new RangeError('maxRecent must be a positive integer');
  if (!Number.isInteger(maxTop) || maxTop < 1) throw new RangeError('maxTop must be a positive integer');
  // Replica reads, but a process reads its own searches (as the catalog, catalog-read-routing.ts):
  // the monitor records a search and shows the history right after.
  const routing = createReadRouting(connections);
  // Read-your-writes asks the master for its replication offset (an INFO) after each write: only
  // worth it where a replica can serve the reads. A standalone server has none: reads are its own.
  const replicaReads = connections.topology.kind !== 'standalone';
  const recentKey = keys.historyRecent();
  const topKey = keys.historyTop();

  const votes = createVoteWindow({
    windowMs: deps.voteWindowMs ?? 3_600_000,
    maxPairs: deps.maxVoters ?? 100_000,
    now,
  });
  const batchMs = deps.batchMs ?? 100;
  if (!Number.isFinite(batchMs) || batchMs < 0) throw new RangeError('batchMs must be a number >= 0');

  /**
   * Records made within `batchMs` (0: one turn of the event loop) share ONE script call.
   * Each caller's promise still settles when its own record is stored.
   */
  const writes = (() => {
    let batch: { entries: Entry[]; counts: Map<string, number>; done: Promise<void> } | null = null;
    return {
      add(entry: Entry, query: string, counts: boolean): Promise<void> {
        if (!batch) {
          const current = {
            entries: [] as Entry[],
            counts: new Map<string, number>(),
            done: Promise.resolve(),
          };
          current.done = new Promise<void>((resolve) => {
            if (batchMs === 0) setImmediate(resolve);
            else setTimeout(resolve, batchMs);
          }).then(() => {
            batch = null;
            return write(current.entries, current.counts);
          });
          batch = current;
        }
        // Only the newest maxRecent entries survive the list's trim: keep no more than twice that.
        if (batch.entries.length >= 2 * maxRecent)
          batch.entries.splice(0, batch.entries.length - maxRecent + 1);
        batch.entries.push(entry);
        if (counts) batch.counts.set(query, (batch.counts.get(query) ?? 0) + 1);
        return batch.done;
      },
    };
  })();

  function write(entries: Entry[], counts: Map<string, number>): Promise<void> {
    // One call, applied atomically (a script: one command for the whole batch, where a MULTI
    // needed a ZINCRBY per query). Only the newest maxRecent entries can survive the trim, so
    // only those are sent. Both keys share the `{history}` tag in cluster mode.
    const args: (string | number)[] = [maxRecent, maxTop];
    const kept = entries.length > maxRecent ? entries.slice(-maxRecent) : entries;
    args.push(kept.length);
    for (const entry of kept) args.push(JSON.stringify(entry));
    for (const [query, n] of counts) args.push(n, query);
    return guard('record search', async () => {
      await recordScript.run(connections.writer, [recentKey, topKey], args);
      if (replicaReads) await routing.afterWrite();
    });
  }

  return {
    record(query, client) {
      // Not async: the API calls this on every read, and the batch's promise is returned as is.
      if (typeof query !== 'string') return Promise.reject(new ValidationError('query must be a string'));
      const trimmed = normalize(query);
      if (trimmed.length === 0) return Promise.reject(new ValidationError('query must not be empty'));
      if (trimmed.length > MAX_QUERY_LENGTH)
        return Promise.reject(new ValidationError(`query must be at most ${MAX_QUERY_LENGTH} characters`));
      // Serialized when written: only the newest maxRecent of a batch are.
      return writes.add(
        { query: trimmed, at: now() },
        trimmed,
        client === undefined || votes.first(client, trimmed),
      );
    },

    async recent(n = 10) {
      const count = checkCount(n, 'n');
      if (count === 0) return [];
      const rows = await guard('read recent searches', () =>
        routing.read(undefined, (client) => client.lrange(recentKey, 0, count - 1)),
      );
      return rows.flatMap((row) => {
        try {
          const { query, at } = JSON.parse(row) as { query: unknown; at: unknown };
          return typeof query === 'string' && typeof at === 'number' ? [{ query, at }] : [];
        } catch {
          return []; // an entry written by something else is skipped, not fatal
        }
      });
    },

    async top(n = 10) {
      const count = checkCount(n, 'n');
      if (count === 0) return [];
      const flat = await guard('read top searches', () =>
        routing.read(undefined, (client) => client.zrevrange(topKey, 0, count - 1, 'WITHSCORES')),
      );
      const rows: { query: string; count: number }[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2)
        rows.push({ query: flat[i] as string, count: Number(flat[i + 1]) });
      return rows;
    },

    async clear() {
      await guard('clear history', () => connections.writer.del(recentKey, topKey));
    },
  };
}
