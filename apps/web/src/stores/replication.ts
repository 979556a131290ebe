import type {
  NodeStatus,
  ProbeResponse,
  ReplicationResponse,
  ShardStatus,
  StreamErrorPayload,
} from '@app/api-types';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { ApiError } from '../api/client.js';
import { useApi } from '../api/inject.js';
import { isStreamError } from './stream-payload.js';

export type NodeHealth = 'ok' | 'lagging' | 'down';

export interface NodeView extends NodeStatus {
  health: NodeHealth;
  /** The last probe's arrival time on this node (replicas only); null when it never arrived. */
  probeMs: number | null | undefined;
}

/** Lag above this many bytes shows amber: the replica answers but is behind. */
export const LAG_WARN_BYTES = 1024 * 1024;

export function nodeHealth(node: NodeStatus): NodeHealth {
  if (!node.up || node.link_status === 'down') return 'down';
  if (node.lag_bytes !== null && node.lag_bytes > LAG_WARN_BYTES) return 'lagging';
  return 'ok';
}

export const useReplicationStore = defineStore('replication', () => {
  const api = useApi();
  const status = ref<ReplicationResponse | null>(null);
  const error = ref<StreamErrorPayload | ApiError | null>(null);
  const receivedAt = ref<number | null>(null);
  const probing = ref(false);
  const probeError = ref<ApiError | null>(null);
  const ownProbe = ref<ProbeResponse | null>(null);

  function ingest(payload: ReplicationResponse | StreamErrorPayload, at = Date.now()) {
    receivedAt.value = at;
    if (isStreamError(payload)) {
      error.value = payload;
      return;
    }
    error.value = null;
    status.value = payload;
  }

  async function load() {
    try {
      ingest(await api.getReplication());
    } catch (err) {
      if (err instanceof ApiError) error.value = err;
      else throw err;
    }
  }

  async function probe() {
    probing.value = true;
    try {
      ownProbe.value = await api.probeReplication();
      probeError.value = null;
    } catch (err) {
      if (err instanceof ApiError) probeError.value = err;
      else throw err;
    } finally {
      probing.value = false;
    }
  }

  /** The newest probe: ours, or one another monitor triggered (carried by the status). */
  const lastProbe = computed<ProbeResponse | null>(() => {
    const carried = status.value?.last_probe ?? null;
    if (!ownProbe.value) return carried;
    if (!carried) return ownProbe.value;
    return carried.written_at > ownProbe.value.written_at ? carried : ownProbe.value;
  });

  function toView(node: NodeStatus): NodeView {
    const probeMs = lastProbe.value?.results.find((r) => r.url === node.url)?.arrived_ms;
    return { ...node, health: nodeHealth(node), probeMs };
  }

  const master = computed(() => (status.value ? toView(status.value.master) : null));
  const replicas = computed(() => status.value?.replicas.map(toView) ?? []);
  const shards = computed<ShardStatus[]>(() => status.value?.shards ?? []);
  const downCount = computed(
    () =>
      (master.value?.health === 'down' ? 1 : 0) + replicas.value.filter((r) => r.health === 'down').length,
  );

  return {
    status,
    error,
    receivedAt,
    probing,
    probeError,
    lastProbe,
    master,
    replicas,
    shards,
    downCount,
    ingest,
    load,
    probe,
  };
});
