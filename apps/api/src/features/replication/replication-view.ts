import type { NodeStatus as NodeStatusBody, ProbeResponse, ReplicationResponse } from '@app/api-types';
import type { NodeStatus, Replication } from '@app/redis-core';

function nodeBody(n: NodeStatus): NodeStatusBody {
  return {
    url: n.url,
    role: n.role,
    up: n.up,
    ...(n.linkStatus === undefined ? {} : { link_status: n.linkStatus }),
    offset: n.offset,
    lag_bytes: n.lagBytes,
    last_io_seconds_ago: n.lastIoSecondsAgo,
    ...(n.connectedReplicas === undefined ? {} : { connected_replicas: n.connectedReplicas }),
    ...(n.error === undefined ? {} : { error: n.error }),
  };
}

/**
 * Replication status in the API's shape, remembering the last probe made through this app so
 * the monitor shows it next to the status (GET /api/replication and the SSE `replication` event).
 */
export interface ReplicationView {
  status(): Promise<ReplicationResponse>;
  probe(timeoutMs?: number): Promise<ProbeResponse>;
}

export function createReplicationView(replication: Replication): ReplicationView {
  let lastProbe: ProbeResponse | undefined;
  return {
    async status() {
      const s = await replication.status();
      return {
        topology: s.topology,
        master: nodeBody(s.master),
        replicas: s.replicas.map(nodeBody),
        ...(s.shards
          ? {
              shards: s.shards.map((shard) => ({
                master: nodeBody(shard.master),
                replicas: shard.replicas.map(nodeBody),
                slots: shard.slots,
              })),
            }
          : {}),
        checked_at: s.checkedAt,
        ...(lastProbe ? { last_probe: lastProbe } : {}),
      };
    },
    async probe(timeoutMs) {
      const p = await replication.probe(timeoutMs);
      lastProbe = {
        token: p.token,
        written_at: p.writtenAt,
        ...(p.error ? { error: p.error } : {}),
        results: p.results.map((r) => ({
          url: r.url,
          arrived_ms: r.arrivedMs,
          ...(r.error ? { error: r.error } : {}),
        })),
      };
      return lastProbe;
    },
  };
}
