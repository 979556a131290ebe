import { type Cluster, type ClusterNode, Redis, type RedisOptions } from 'ioredis';
import type { Topology } from '../config/index.js';
import {
  BoundedCluster,
  baseClientOptions,
  type ClientTuning,
  clusterNodeOptions,
  createClientForUrl,
  DEFAULT_COMMAND_TIMEOUT_MS,
  type LegacyClusterOptions,
  quietErrors,
  reconnectDelay,
  reconnectOnReadonly,
} from './client-options.js';
import { ReplicaHealth, type ReplicaState } from './replica-health.js';

export { type ClientTuning, createClientForUrl } from './client-options.js';

export type RedisClient = Redis | Cluster;

/** What BullMQ's `connection` gets: plain options, or (cluster) a Cluster made for it. */
export type QueueConnection = RedisOptions | Cluster;

export interface ConnectionOptions {
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  maxReplicaLagBytes?: number;
  healthCheckIntervalMs?: number;
  /** QUEUE_REDIS_URL: a separate Redis for BullMQ; the writer's node otherwise. */
  queueRedisUrl?: string;
  logger?: { warn(obj: object, msg?: string): void };
}

export interface RedisConnections {
  topology: Topology;
  writer: RedisClient;
  /**
   * A healthy replica (link up, lag within bound), else the writer; when the writer is down,
   * a replica that still answers (stale reads beat failed reads). Call it per operation.
   */
  reader(): RedisClient;
  /** For pub/sub; connected on first use. */
  readonly subscriber: RedisClient;
  /** The replicas of a replicated topology with their health; [] otherwise. */
  replicas: ReplicaState[];
  queueConnectionOptions(): QueueConnection;
  isCluster: boolean;
  /** The timeouts every client here uses, for callers that open their own node clients. */
  tuning: ClientTuning;
  /** Runs one health check of the replicas now (tests, and the replication page). */
  checkReplicas(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_MAX_REPLICA_LAG_BYTES = 1024 * 1024;
export const DEFAULT_HEALTH_CHECK_INTERVAL_MS = 500;

/** RedisOptions from a redis:// URL, for clients built from options (BullMQ). */
export function optionsFromUrl(
  url: string,
  fallback: { username?: string; password?: string } = {},
): RedisOptions {
  const { username, password } = fallback;
  const u = new URL(url);
  const db = Number(u.pathname.replace(/^\//, '') || '0');
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : username ? { username } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : password ? { password } : {}),
    ...(Number.isInteger(db) && db > 0 ? { db } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * A client that reports its own connection failures: the reader hands out replicas wrapped
 * this way so a failed read takes the replica out of rotation at once, not at the next check.
 */
function reportingFailures<T extends object>(client: T, onFailure: (err: unknown) => void): T {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return function (this: unknown, ...args: unknown[]) {
        const result = value.apply(target, args);
        if (result instanceof Promise) result.catch(onFailure);
        return result;
      };
    },
  });
}

async function closeClient(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  const ended = new Promise((resolve) => client.once('end', resolve));
  const capped = (p: Promise<unknown>) => Promise.race([p, new Promise((r) => setTimeout(r, 500).unref())]);
  // QUIT lets the server finish what it was sent; a dead or paused server must not stall shutdown.
  if (client.status === 'ready') await capped(client.quit().catch(() => undefined));
  // (status changes asynchronously; TS narrowed it above)
  if ((client.status as string) !== 'end') client.disconnect();
  await capped(ended);
}

export function createConnections(topology: Topology, opts: ConnectionOptions = {}): RedisConnections {
  const commandTimeoutMs = opts.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const credentials = {
    ...(topology.username === undefined ? {} : { username: topology.username }),
    ...(topology.password === undefined ? {} : { password: topology.password }),
  };
  const tuning: ClientTuning = {
    commandTimeoutMs,
    ...(opts.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: opts.connectTimeoutMs }),
    ...credentials,
    ...(opts.logger ? { logger: opts.logger } : {}),
  };
  const made: RedisClient[] = [];
  const track = <T extends RedisClient>(client: T): T => {
    made.push(client);
    return client;
  };
  const intervalMs = opts.healthCheckIntervalMs ?? DEFAULT_HEALTH_CHECK_INTERVAL_MS;
  const maxLagBytes = opts.maxReplicaLagBytes ?? DEFAULT_MAX_REPLICA_LAG_BYTES;

  let writer: RedisClient;
  let makeSubscriber: () => RedisClient;
  let queueOptions: () => QueueConnection;
  let readCandidates: ReplicaState[] = [];
  let exposedReplicas: ReplicaState[] = [];
  let clusterReader: Cluster | undefined;

  const queueBase: RedisOptions = {
    maxRetriesPerRequest: null, // BullMQ workers block (BZPOPMIN…) and require it
    enableOfflineQueue: true,
    connectTimeout: Math.max(1000, commandTimeoutMs),
    retryStrategy: reconnectDelay,
    reconnectOnError: reconnectOnReadonly,
  };
  const queueFromUrl = (): RedisOptions | undefined =>
    opts.queueRedisUrl ? { ...optionsFromUrl(opts.queueRedisUrl), ...queueBase } : undefined;

  switch (topology.kind) {
    case 'standalone':
    case 'replicated': {
      writer = track(createClientForUrl(topology.url, { ...tuning, connectionName: 'writer' }));
      if (topology.kind === 'replicated') {
        readCandidates = topology.replicaUrls.map((url) => ({
          url,
          client: track(createClientForUrl(url, { ...tuning, connectionName: 'reader' })),
          healthy: false,
          reachable: false,
          lagBytes: null,
          checkedAt: 0,
        }));
        exposedReplicas = readCandidates;
      }
      makeSubscriber = () => createClientForUrl(topology.url, { ...tuning, connectionName: 'subscriber' });
      queueOptions = () => queueFromUrl() ?? { ...optionsFromUrl(topology.url, credentials), ...queueBase };
      break;
    }
    case 'sentinel': {
      const sentinelOptions = (role: 'master' | 'slave'): RedisOptions => ({
        sentinels: topology.sentinels,
        name: topology.name,
        role,
        ...(topology.sentinelPassword === undefined ? {} : { sentinelPassword: topology.sentinelPassword }),
        sentinelCommandTimeout: commandTimeoutMs,
        sentinelRetryStrategy: reconnectDelay,
        // Subscribe to +switch-master so a failover is followed at once, not at the next error.
        failoverDetector: true,
      });
      const make = (role: 'master' | 'slave', name: string) =>
        quietErrors(
          new Redis({ ...baseClientOptions({ ...tuning, connectionName: name }), ...sentinelOptions(role) }),
          `sentinel:${topology.name}/${name}`,
          opts.logger,
        );
      writer = track(make('master', 'writer'));
      readCandidates = [
        {
          url: `sentinel://${topology.name}/replica`,
          client: track(make('slave', 'reader')),
          healthy: false,
          reachable: false,
          lagBytes: null,
          checkedAt: 0,
        },
      ];
      makeSubscriber = () => make('master', 'subscriber');
      queueOptions = () =>
        queueFromUrl() ?? {
          ...sentinelOptions('master'),
          ...credentials,
          ...queueBase,
        };
      break;
    }
    case 'cluster': {
      const nodes: ClusterNode[] = topology.nodes.map(({ host, port }) => ({ host, port }));
      const clusterOptions = (
        scaleReads: 'master' | 'slave',
        redisOptions: RedisOptions,
      ): LegacyClusterOptions => ({
        scaleReads,
        redisOptions: clusterNodeOptions(redisOptions),
        enableOfflineQueue: true,
        clusterRetryStrategy: reconnectDelay,
        slotsRefreshTimeout: Math.max(1000, commandTimeoutMs),
        // Keep redirect retries inside the command timeout instead of 16 × 100 ms.
        retryDelayOnFailover: 100,
        maxRedirections: 6,
        // Reads only find replicas that CLUSTER SLOTS lists, and Redis lists a replica only once
        // it has replicated something (offset > 0), so a reader that connected to a fresh or
        // just-failed-over cluster must look again: writes don't need this (MOVED refreshes).
        ...(scaleReads === 'slave' ? { slotsRefreshInterval: 5000 } : {}),
      });
      const make = (scaleReads: 'master' | 'slave', name: string) =>
        quietErrors(
          new BoundedCluster(
            nodes,
            clusterOptions(scaleReads, baseClientOptions({ ...tuning, connectionName: name })),
            commandTimeoutMs,
          ),
          `cluster/${name}`,
          opts.logger,
        );
      writer = track(make('master', 'writer'));
      clusterReader = track(make('slave', 'reader'));
      makeSubscriber = () => make('master', 'subscriber');
      let queueCluster: Cluster | undefined;
      queueOptions = () => {
        const fromUrl = queueFromUrl();
        if (fromUrl) return fromUrl;
        queueCluster ??= track(
          quietErrors(
            // No command timeout here: BullMQ's blocking commands wait on purpose.
            new BoundedCluster(
              nodes,
              clusterOptions('master', {
                ...queueBase,
                ...credentials,
              }),
              0,
            ),
            'cluster/queue',
            opts.logger,
          ),
        );
        return queueCluster;
      };
      break;
    }
  }

  const health =
    readCandidates.length > 0
      ? new ReplicaHealth({
          writer: writer as Redis,
          replicas: readCandidates,
          intervalMs,
          timeoutMs: Math.max(100, Math.min(commandTimeoutMs, intervalMs / 2)),
          maxLagBytes,
          ...(opts.logger ? { logger: opts.logger } : {}),
        })
      : undefined;
  health?.start();
  const wrapped = new Map<ReplicaState, Redis>(
    readCandidates.map((r) => [r, reportingFailures(r.client, health?.onCallFailure(r) ?? (() => {}))]),
  );

  let next = 0;
  let subscriber: RedisClient | undefined;
  let closed = false;

  return {
    topology,
    writer,
    reader() {
      if (clusterReader) return clusterReader.status === 'ready' ? clusterReader : writer;
      const healthy = readCandidates.filter((r) => r.healthy && r.client.status === 'ready');
      if (healthy.length > 0) {
        // Round-robin across healthy replicas spreads the read load.
        const chosen = healthy[next++ % healthy.length] as ReplicaState;
        return wrapped.get(chosen) ?? chosen.client;
      }
      if (writer.status !== 'ready') {
        // Master unreachable: a replica that still answers serves (possibly stale) reads
        // rather than every read failing. Its lag cannot be known without the master.
        const standby = readCandidates.find((r) => r.reachable && r.client.status === 'ready');
        if (standby) return wrapped.get(standby) ?? standby.client;
      }
      return writer;
    },
    get subscriber() {
      if (closed) throw new Error('connections are closed');
      subscriber ??= track(makeSubscriber());
      return subscriber;
    },
    replicas: exposedReplicas,
    queueConnectionOptions: () => queueOptions(),
    isCluster: topology.kind === 'cluster',
    tuning,
    checkReplicas: () => health?.check() ?? Promise.resolve(),
    async close() {
      closed = true;
      health?.stop();
      await Promise.all(made.map(closeClient));
    },
  };
}
