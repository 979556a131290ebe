import type { Redis } from 'ioredis';
import { isRedisConnectionError } from '../errors.js';
import { parseReplicationInfo } from '../info-parser.js';

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
    let masterOffset: number | null = null;
    try {
      masterOffset = parseReplicationInfo(await withTimeout(writer.info('replication'), timeoutMs)).offset;
    } catch {
      // Master unreachable: lag is unknown, replicas are judged on their own link only.
    }
    await Promise.all(this.#opts.replicas.map((r) => this.#checkOne(r, masterOffset)));
  }

  async #checkOne(replica: ReplicaState, masterOffset: number | null): Promise<void> {
    // A previous INFO still unanswered: the replica is hung (e.g. paused); it was marked down
    // when that check timed out, and piling up more INFO calls would only queue behind it.
    if (this.#pending.has(replica)) return;
    this.#pending.add(replica);
    const call = replica.client.info('replication').finally(() => this.#pending.delete(replica));
    try {
      const info = parseReplicationInfo(await withTimeout(call, this.#opts.timeoutMs));
      const linkUp = info.role === 'replica' && info.linkStatus === 'up';
      const lag = masterOffset === null ? null : Math.max(0, masterOffset - info.offset);
      const wasHealthy = replica.healthy;
      replica.reachable = true;
      replica.lagBytes = lag;
      replica.checkedAt = Date.now();
      replica.healthy = linkUp && (lag === null || lag <= this.#opts.maxLagBytes);
      if (replica.healthy) delete replica.lastError;
      else
        replica.lastError = linkUp
          ? `lag ${lag} bytes > ${this.#opts.maxLagBytes}`
          : `role ${info.role}, link ${info.linkStatus ?? 'n/a'}`;
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
