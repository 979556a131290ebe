import type { Redis } from 'ioredis';

export type ServerRole = 'standalone' | 'master' | 'replica' | 'sentinel' | 'cluster';

/** A real Redis server started for a test, with the fault operations the fault suite needs. */
export interface RedisServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly role: ServerRole;
  /** Data directory kept across stop/kill/restart (AOF and RDB files live here). */
  readonly dataDir: string;
  readonly pid: number | undefined;
  /** An ioredis client to this server; closed with the server. */
  client(options?: Record<string, unknown>): Redis;
  /** SIGTERM and wait for exit (Redis may write its RDB/AOF on the way out). */
  stop(): Promise<void>;
  /** SIGKILL: a crash, nothing flushed. */
  kill(): Promise<void>;
  /** SIGSTOP: the process hangs, TCP connections stay open. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Start again after stop()/kill(), same port and data dir. */
  start(): Promise<void>;
  /** stop() then start(). */
  restart(): Promise<void>;
  isRunning(): boolean;
  isPaused(): boolean;
  /** Last lines of the server's log (for assertion messages). */
  logTail(lines?: number): string;
  /** Kill and remove the data dir. Called for you at cleanup. */
  destroy(): Promise<void>;
}
