import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';

/** Cluster options with the default (legacy, RESP2-shaped) reply mapping. */
export type LegacyClusterOptions = ClusterOptions;

/** Node options a Cluster accepts: it manages reconnects and the offline queue itself. */
export function clusterNodeOptions(options: RedisOptions): NonNullable<ClusterOptions['redisOptions']> {
  const { retryStrategy: _r, enableOfflineQueue: _e, host: _h, port: _p, ...rest } = options;
  return rest;
}

/**
 * ioredis options shared by every client this package makes. The aim: no call waits longer
 * than `commandTimeoutMs` when Redis is gone, yet a brief reconnect (restart, failover) is
 * ridden out instead of failing every request.
 *
 * - `commandTimeout` starts when a command is issued, including while it sits in the offline
 *   queue, so keeping `enableOfflineQueue` on is safe: commands sent during a reconnect either
 *   run when the link is back or fail after `commandTimeoutMs`, never hang. (With it off,
 *   every command sent before the first `ready` would fail at start-up.)
 * - `maxRetriesPerRequest: 1`: a command is resent on at most one reconnect, then fails.
 * - reconnect quickly (≤ 1 s apart) so a restarted node is back in use within a second.
 * - `reconnectOnError` → 2 on READONLY: after a failover the old master answers READONLY to
 *   writes; reconnect (sentinel resolves the new master) and resend the command.
 */
export interface ClientTuning {
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  username?: string;
  password?: string;
  connectionName?: string;
  lazyConnect?: boolean;
  /** Send READONLY on connect: needed to read keys from a cluster replica. */
  readOnly?: boolean;
  logger?: { warn(obj: object, msg?: string): void };
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 1000;

export function reconnectDelay(times: number): number {
  return Math.min(50 * 2 ** Math.min(times, 5), 1000);
}

export function reconnectOnReadonly(err: Error): false | 2 {
  return /READONLY/.test(err.message) ? 2 : false;
}

export function baseClientOptions(tuning: ClientTuning = {}): RedisOptions {
  const commandTimeout = tuning.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  return {
    commandTimeout,
    connectTimeout: tuning.connectTimeoutMs ?? Math.max(1000, commandTimeout),
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    retryStrategy: reconnectDelay,
    reconnectOnError: reconnectOnReadonly,
    ...(tuning.username === undefined ? {} : { username: tuning.username }),
    ...(tuning.password === undefined ? {} : { password: tuning.password }),
    ...(tuning.connectionName === undefined ? {} : { connectionName: tuning.connectionName }),
    ...(tuning.lazyConnect === undefined ? {} : { lazyConnect: tuning.lazyConnect }),
    ...(tuning.readOnly === undefined ? {} : { readOnly: tuning.readOnly }),
  };
}

/**
 * ioredis reports connection failures as 'error' events; without a listener it prints
 * "Unhandled error event" on every reconnect attempt. Log at most one line per client per
 * 10 s so an outage is visible without flooding the log.
 */
export function quietErrors<T extends Redis | Cluster>(
  client: T,
  label: string,
  logger?: ClientTuning['logger'],
): T {
  let lastLogged = 0;
  client.on('error', (err: Error) => {
    const now = Date.now();
    if (logger && now - lastLogged > 10_000) {
      lastLogged = now;
      logger.warn({ client: label, err: err.message }, 'redis client error');
    }
  });
  return client;
}

/** A client for one node, with the package's timeouts. The URL's own password wins over `password`. */
export function createClientForUrl(url: string, tuning: ClientTuning = {}): Redis {
  const hasOwnPassword = (() => {
    try {
      return new URL(url).password !== '';
    } catch {
      return false;
    }
  })();
  const options = baseClientOptions(
    hasOwnPassword ? { ...tuning, username: undefined, password: undefined } : tuning,
  );
  return quietErrors(new Redis(url, options), url, tuning.logger);
}

/**
 * A Cluster whose commands time out even while the cluster itself is (re)connecting: ioredis
 * arms `commandTimeout` only once a command reaches a node, so a command parked in the
 * cluster's offline queue would otherwise wait forever.
 */
export class BoundedCluster extends Cluster {
  readonly #timeoutMs: number;

  constructor(nodes: ClusterNode[], options: LegacyClusterOptions, timeoutMs: number) {
    // Our options never set replyMapping, so replies keep the default legacy shapes.
    super(nodes, options as ConstructorParameters<typeof Cluster<'legacy'>>[1]);
    this.#timeoutMs = timeoutMs;
  }

  override sendCommand(...args: Parameters<Cluster['sendCommand']>): unknown {
    // 0 means no bound (BullMQ's blocking commands); ioredis would read it as "time out now".
    if (this.#timeoutMs > 0) args[0].setTimeout(this.#timeoutMs);
    return super.sendCommand(...args);
  }
}
