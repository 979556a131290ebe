import type { RedisProcess } from './redis-process.js';

export interface LocalRedis {
  topology: string;
  /** Variables for the apps (REDIS_URL, REDIS_REPLICA_URLS…), in @app/redis-core's names. */
  env: Record<string, string>;
  nodes: RedisProcess[];
  /** What to print under "try": redis-cli commands that show the topology at work. */
  tryCommands: string[];
  /** Replicas first, then the master, so no replica logs a lost link for nothing. */
  stop(): Promise<void>;
  killNow(): void;
}

export interface TopologyOptions {
  /** Each node gets `<dataRoot>/<node name>`; the dev stack uses the git-ignored `.data/redis`. */
  dataRoot: string;
  bin?: string;
  replicas?: number;
  /** First ports to try; the seed's 6379 (master) and 6380 (replica) by default. */
  basePort?: number;
}

/**
 * A way to run Redis locally. Adding one (a cluster, sentinels) means adding an entry to
 * `localTopologies`; the orchestrator only sees `LocalRedis`.
 */
export interface LocalTopology {
  name: string;
  summary: string;
  start(opts: TopologyOptions): Promise<LocalRedis>;
}
