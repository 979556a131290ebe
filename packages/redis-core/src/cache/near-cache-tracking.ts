import type { Redis, RedisOptions } from 'ioredis';

/**
 * The invalidation connection behind the near-cache: Redis server-assisted client-side
 * caching in broadcasting mode (`CLIENT TRACKING ON REDIRECT <own id> BCAST PREFIX data:`).
 *
 * Why one RESP2 connection that redirects to itself: ioredis 6 speaks RESP3 by default and
 * drops `invalidate` push frames, while a RESP2 connection subscribed to
 * `__redis__:invalidate` receives them as ordinary Pub/Sub messages. Tracking and the
 * subscription then live and die together: when this connection drops, Redis forgets the
 * tracking state with it, so there is no window where invalidations go to a dead target.
 *
 * While the link is in doubt (closed, reconnecting, heartbeat unanswered) the owner is told
 * `onLost` and must stop serving local entries; `onActive` comes only once tracking is on
 * AND the subscription is confirmed, i.e. from the first moment every write is reported.
 */
export const INVALIDATION_CHANNEL = '__redis__:invalidate';

export interface TrackingEvents {
  /** Tracking is on and subscribed; `clientId` is the new connection's id. */
  onActive(clientId: number): void;
  /** Invalidations can no longer be trusted to arrive. */
  onLost(reason: string): void;
  /** Keys written by anyone (null: the whole keyspace was flushed). */
  onKeys(keys: string[] | null): void;
}

export interface TrackingOptions {
  /** A connected client whose options (host, auth, sentinel…) the tracking connection copies. */
  source: Redis;
  prefixes: string[];
  /** PING period; no PONG within 2 periods counts as a lost link (default 1000 ms). */
  heartbeatMs?: number;
  logger?: { warn(obj: object, msg?: string): void };
}

export interface InvalidationTracking {
  readonly clientId: number | null;
  readonly connection: Redis;
  close(): void;
}

function keyText(k: unknown): string {
  return Buffer.isBuffer(k) ? k.toString('utf8') : String(k);
}

export function startInvalidationTracking(
  opts: TrackingOptions,
  events: TrackingEvents,
): InvalidationTracking {
  const heartbeatMs = opts.heartbeatMs ?? 1000;
  const overrides: RedisOptions = {
    protocol: 2,
    replyMapping: 'legacy',
    connectionName: 'near-cache-invalidation',
    // We redo CLIENT TRACKING + SUBSCRIBE ourselves on every connect, in that order.
    autoResubscribe: false,
    autoResendUnfulfilledCommands: false,
    enableAutoPipelining: false,
    lazyConnect: false,
    readOnly: false,
    maxRetriesPerRequest: 0,
    // Never give up: the near-cache stays off (L2 only) until this connection is back.
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
  };
  const conn = opts.source.duplicate(overrides);
  let generation = 0;
  let clientId: number | null = null;
  let active = false;
  let closed = false;
  let pingSentAt = 0;
  let lastWarnAt = 0;

  const warn = (obj: object, msg: string) => {
    const now = Date.now();
    if (opts.logger && now - lastWarnAt > 10_000) {
      lastWarnAt = now;
      opts.logger.warn(obj, msg);
    }
  };

  function lose(reason: string): void {
    generation++;
    clientId = null;
    pingSentAt = 0;
    if (active) {
      active = false;
      events.onLost(reason);
    }
  }

  async function enable(): Promise<void> {
    const mine = ++generation;
    try {
      const id = Number(await conn.client('ID'));
      const prefixArgs = opts.prefixes.flatMap((p) => ['PREFIX', p]);
      await conn.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(id), 'BCAST', ...prefixArgs);
      await conn.subscribe(INVALIDATION_CHANNEL);
      if (mine !== generation || closed) return;
      clientId = id;
      active = true;
      pingSentAt = 0;
      events.onActive(id);
    } catch (err) {
      if (mine !== generation || closed) return;
      warn({ err: (err as Error).message }, 'near-cache: cannot enable client tracking, L1 stays off');
      // Start over on a fresh connection (retryStrategy paces the attempts).
      conn.disconnect(true);
    }
  }

  conn.on('error', (err: Error) => warn({ err: err.message }, 'near-cache invalidation connection error'));
  conn.on('ready', () => {
    if (!closed) void enable();
  });
  conn.on('close', () => lose('invalidation connection closed'));
  conn.on('messageBuffer', (channel: Buffer | string, message: unknown) => {
    if (keyText(channel) !== INVALIDATION_CHANNEL) return;
    events.onKeys(Array.isArray(message) ? message.map(keyText) : null);
  });

  const heartbeat = setInterval(() => {
    if (!active) return;
    const now = Date.now();
    if (pingSentAt !== 0) {
      if (now - pingSentAt > 2 * heartbeatMs) {
        lose('invalidation connection heartbeat timed out');
        conn.disconnect(true);
      }
      return;
    }
    pingSentAt = now;
    const mine = generation;
    conn.ping().then(
      () => {
        if (mine === generation) pingSentAt = 0;
      },
      () => {
        if (mine !== generation) return;
        lose('invalidation connection heartbeat failed');
        conn.disconnect(true);
      },
    );
  }, heartbeatMs);
  heartbeat.unref();

  return {
    get clientId() {
      return clientId;
    },
    connection: conn,
    close() {
      closed = true;
      clearInterval(heartbeat);
      lose('near-cache closed');
      conn.disconnect();
    },
  };
}
