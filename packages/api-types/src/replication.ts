import type { TopologyKind } from './common.js';

export interface NodeStatus {
  url: string;
  role: 'master' | 'replica' | 'unknown';
  up: boolean;
  link_status?: 'up' | 'down';
  offset: number;
  lag_bytes: number | null;
  last_io_seconds_ago: number | null;
  connected_replicas?: number;
  error?: string;
}

/** POST /api/replication/probe: a token written on the master, timed on each replica. */
export interface ProbeResponse {
  token: string;
  /** Epoch ms. */
  written_at: number;
  /** Set when the token could not be written (master down); every arrival is then null. */
  error?: string;
  /** arrived_ms: ms after the write when the replica had it; null when it did not arrive in time. */
  results: { url: string; arrived_ms: number | null; error?: string }[];
}

/** Cluster: one shard (a master, its replicas, its slot ranges). */
export interface ShardStatus {
  master: NodeStatus;
  replicas: NodeStatus[];
  slots: [number, number][];
}

/** GET /api/replication (also the payload of the SSE `replication` event). */
export interface ReplicationResponse {
  topology: TopologyKind;
  master: NodeStatus;
  replicas: NodeStatus[];
  /** Cluster only, in slot order. */
  shards?: ShardStatus[];
  /** Epoch ms. */
  checked_at: number;
  /** The last probe made through this API instance, if any. */
  last_probe?: ProbeResponse;
}
