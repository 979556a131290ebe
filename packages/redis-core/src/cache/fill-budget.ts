/**
 * How many cache entries one client's misses may create: the bound that keeps a client from
 * growing Redis without limit with reads of ids that do not exist (a negative entry each) or
 * distinct queries (a query-cache entry each). Decided in process memory, on the miss path only:
 * a cache hit never consults it, and it costs no Redis round trip.
 *
 * Fixed windows as long as the entries live: a client may create `perClient` entries per window
 * and this process `total`, so at most twice that many of its entries exist at once (those of the
 * previous window still alive, and this window's). With several API processes the total bound is
 * per process.
 */
export interface FillBudget {
  /** True when `client` may create one more entry of `kind` now (and counts it). */
  admit(client: string, kind: FillKind): boolean;
  /** Entries refused since start, by kind. */
  refused(): Readonly<Record<FillKind, number>>;
}

export type FillKind = 'negative' | 'query';

export interface FillBudgetOptions {
  perClient: number;
  total: number;
  /** Window per kind, in ms: how long an entry of that kind lives at most. */
  windowMs: Record<FillKind, number>;
  now?: () => number;
}

interface Window {
  startedAt: number;
  total: number;
  perClient: Map<string, number>;
}

export function createFillBudget(opts: FillBudgetOptions): FillBudget {
  const now = opts.now ?? Date.now;
  const windows: Record<FillKind, Window> = {
    negative: { startedAt: now(), total: 0, perClient: new Map() },
    query: { startedAt: now(), total: 0, perClient: new Map() },
  };
  const refused: Record<FillKind, number> = { negative: 0, query: 0 };
  return {
    admit(client, kind) {
      const at = now();
      let w = windows[kind];
      if (at - w.startedAt >= opts.windowMs[kind]) {
        // A new window: the map is dropped whole, so it never holds more than `total` clients.
        w = { startedAt: at, total: 0, perClient: new Map() };
        windows[kind] = w;
      }
      const used = w.perClient.get(client) ?? 0;
      if (w.total >= opts.total || used >= opts.perClient) {
        refused[kind]++;
        return false;
      }
      w.total++;
      w.perClient.set(client, used + 1);
      return true;
    },
    refused: () => ({ ...refused }),
  };
}
