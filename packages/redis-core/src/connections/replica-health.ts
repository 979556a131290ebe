import type { Redis } from 'ioredis';
import { isRedisConnectionError } from '../errors.js';
import { parseReplicationInfo, type ReplicationInfo } from '../info-parser.js';

/**
 * Replicas acknowledge the replication stream to their master every second. A replica the master
 * has not heard from for longer than this is cut off from it, even while it still reports its
 * link up (it notices only after repl-timeout, 60 s) and its lag in bytes stays small because few
 * writes happened: without this, such a replica serves old data for up to a minute
 * (docs/reliability.md#partitions).
 */
export const MAX_ACK_SILENCE_SECONDS = 2;

/**
 * How long, by the master's count, the replica this client is connected to has not acknowledged;
 * null when the master lists no replica at that address (NAT, or not connected yet).
 */
export function ackSilenceSeconds(
  client: { stream?: { remoteAddress?: string; remotePort?: number } | null },
  masterReplicas: ReplicationInfo['replicas'],
): number | null {
  const plain = (ip: string) => ip.replace(/^::ffff:/, '');
  const address = client.stream?.remoteAddress;
  const port = client.stream?.remotePort;
  if (!address || !port) return null;
  const entry = masterReplicas.find((r) => plain(r.host) === plain(address) && r.port === port);
  return entry?.lagSeconds ?? null;
}

/** What the reader knows about one replica it may read from. */
export interface ReplicaState {
  url: string;
  client: Redis;
  /** Link up, role replica, lag within bound: reads may go here. */
  healthy: boolean;
  /** Answered its last health check (even if lagging or unlinked). */
  reachable: boolean;
  lagBytes: number | null;
  lastError?: string;
  checkedAt: number;
}

export interface ReplicaHealthOptions {
  writer: { info(section: 'replication'): Promise<string> };
  replicas: ReplicaState[];
  intervalMs: number;
  /** How long one INFO may take before the replica counts as down (a paused process never answers). */
  timeoutMs: number;
  maxLagBytes: number;
  logger?: { warn(obj: object, msg?: string): void };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`health check timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Periodic INFO replication of every replica (and the master, for the offset lag). A replica
 * is marked down at once when its socket closes or a call through the reader fails with a
 * connection error, and marked healthy again only by a successful check.
 */
export class ReplicaHealth {
  readonly #opts: ReplicaHealthOptions;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #running: Promise<void> | undefined;
  readonly #pending = new Set<ReplicaState>();

  constructor(opts: ReplicaHealthOptions) {
    this.#opts = opts;
    for (const replica of opts.replicas) {
      replica.client.on('close', () => this.markFailed(replica, new Error('connection closed')));
      // Reconnected: check now rather than waiting for the next tick.
      replica.client.on('ready', () => void this.check());
    }
  }

  start(): void {
    if (this.#timer) return;
    void this.check();
    this.#timer = setInterval(() => void this.check(), this.#opts.intervalMs);
    // The health check must never keep a process (or a test run) alive on its own.
    this.#timer.unref();
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  markFailed(replica: ReplicaState, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    // Closing at shutdown is not worth a warning.
    if (replica.healthy && !this.#stopped) {
      this.#opts.logger?.warn(
        { replica: replica.url, err: message },
        'replica unhealthy: reads go to the master',
      );
    }
    replica.healthy = false;
    replica.reachable = false;
    replica.lastError = message;
  }

  /** Wraps a failure handler for calls made through the reader. */
  onCallFailure(replica: ReplicaState): (err: unknown) => void {
    return (err) => {
      if (isRedisConnectionError(err)) this.markFailed(replica, err);
    };
  }

  /** One round of checks; concurrent callers share it. */
  check(): Promise<void> {
    this.#running ??= this.#checkAll().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #checkAll(): Promise<void> {
    const { writer, timeoutMs } = this.#opts;
    let master: ReplicationInfo | null = null;
    try {
      master = parseReplicationInfo(await withTimeout(writer.info('replication'), timeoutMs));
    } catch {
      // Master unreachable: lag is unknown, replicas are judged on their own link only.
    }
    await Promise.all(this.#opts.replicas.map((r) => this.#checkOne(r, master)));
  }

  async #checkOne(replica: ReplicaState, master: ReplicationInfo | null): Promise<void> {
    // A previous INFO still unanswered: the replica is hung (e.g. paused); it was marked down
    // when that check timed out, and piling up more INFO calls would only queue behind it.
    if (this.#pending.has(replica)) return;
    this.#pending.add(replica);
    const call = replica.client.info('replication').finally(() => this.#pending.delete(replica));
    try {
      const info = parseReplicationInfo(await withTimeout(call, this.#opts.timeoutMs));
      const linkUp = info.role === 'replica' && info.linkStatus === 'up';
      const lag = master === null ? null : Math.max(0, master.offset - info.offset);
      const silence = master === null ? null : ackSilenceSeconds(replica.client, master.replicas);
      const cutOff = silence !== null && silence > MAX_ACK_SILENCE_SECONDS;
      const wasHealthy = replica.healthy;
      replica.reachable = true;
      replica.lagBytes = lag;
      replica.checkedAt = Date.now();
      replica.healthy = linkUp && !cutOff && (lag === null || lag <= this.#opts.maxLagBytes);
      if (replica.healthy) delete replica.lastError;
      else if (!linkUp) replica.lastError = `role ${info.role}, link ${info.linkStatus ?? 'n/a'}`;
      else if (cutOff) replica.lastError = `no acknowledgement to the master for ${silence} s`;
      else replica.lastError = `lag ${lag} bytes > ${this.#opts.maxLagBytes}`;
      if (wasHealthy && !replica.healthy) {
        this.#opts.logger?.warn(
          { replica: replica.url, reason: replica.lastError },
          'replica unhealthy: reads go to the master',
        );
      }
    } catch (err) {
      call.catch(() => {});
      replica.checkedAt = Date.now();
      this.markFailed(replica, err);
    }
  }
}
