import type { NodeStatus as NodeStatusBody, ProbeResponse, ReplicationResponse } from '@app/api-types';
import type { NodeStatus, ProbeResult, Replication } from '@app/redis-core';
import type { ProbeSchedule } from './probe-schedule.js';

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

function probeBody(p: ProbeResult): ProbeResponse {
  return {
    token: p.token,
    written_at: p.writtenAt,
    ...(p.error ? { error: p.error } : {}),
    results: p.results.map((r) => ({
      url: r.url,
      arrived_ms: r.arrivedMs,
      ...(r.error ? { error: r.error } : {}),
    })),
  };
}

/**
 * Replication status in the API's shape, with the newest probe (the periodic one any API
 * instance ran, or an admin's on-demand one through this app), so the monitor shows a live
 * arrival time next to the status (GET /api/replication and the SSE `replication` event).
 */
export interface ReplicationView {
  status(): Promise<ReplicationResponse>;
  probe(timeoutMs?: number): Promise<ProbeResponse>;
  /** Stops the periodic probe (app shutdown). */
  close(): void;
}

export function createReplicationView(
  replication: Replication,
  schedule: Pick<ProbeSchedule, 'latest' | 'stop'>,
): ReplicationView {
  let onDemand: ProbeResult | undefined;
  const newest = (): ProbeResult | undefined => {
    const periodic = schedule.latest() ?? undefined;
    if (!periodic || !onDemand) return periodic ?? onDemand;
    return periodic.writtenAt >= onDemand.writtenAt ? periodic : onDemand;
  };
  return {
    async status() {
      // Read first: the status call marks the schedule watched and may start its first round.
      const lastProbe = newest();
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
        ...(lastProbe ? { last_probe: probeBody(lastProbe) } : {}),
      };
    },
    async probe(timeoutMs) {
      onDemand = await replication.probe(timeoutMs);
      return probeBody(onDemand);
    },
    close: () => schedule.stop(),
  };
}
