import type { Cluster, Redis } from 'ioredis';
import { redactUrl, type Topology } from '../config/index.js';
import { createClientForUrl } from '../connections/client-options.js';
import type { RedisConnections } from '../connections/index.js';
import { askSentinel, groupShards, parseClusterNodes } from './nodes.js';

/**
 * Where the nodes of the configured topology are right now, each with a client the
 * replication module may query: the configured URLs, what the sentinels say, or CLUSTER NODES.
 */

export interface NodeRef {
  url: string;
  client: Redis;
}

export interface Layout {
  master: NodeRef | { url: string; error: string };
  replicas: NodeRef[];
  shards?: { master: NodeRef; replicas: NodeRef[]; slots: [number, number][] }[];
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function createNodeDirectory(connections: RedisConnections): {
  layout(): Promise<Layout>;
  nodeClient(host: string, port: number): NodeRef;
  close(): Promise<void>;
} {
  const topology = connections.topology;
  const tuning = connections.tuning;
  const nodeClients = new Map<string, Redis>();

  const nodeClient = (host: string, port: number): NodeRef => {
    const url = `redis://${host.includes(':') ? `[${host}]` : host}:${port}`;
    let client = nodeClients.get(url);
    if (!client) {
      // Cluster replicas answer GET only after READONLY (the probe reads there).
      client = createClientForUrl(url, {
        ...tuning,
        readOnly: topology.kind === 'cluster',
        connectionName: 'replication',
      });
      nodeClients.set(url, client);
    }
    return { url, client };
  };
  async function sentinelLayout(t: Extract<Topology, { kind: 'sentinel' }>): Promise<Layout> {
    let lastError = 'no sentinel configured';
    for (const s of t.sentinels) {
      const url = `redis://${s.host}:${s.port}`;
      let sentinel = nodeClients.get(`sentinel:${url}`);
      if (!sentinel) {
        sentinel = createClientForUrl(url, {
          ...tuning,
          password: t.sentinelPassword,
          connectionName: 'replication-sentinel',
        });
        nodeClients.set(`sentinel:${url}`, sentinel);
      }
      try {
        const view = await askSentinel(sentinel, t.name);
        return {
          master: nodeClient(view.master.host, view.master.port),
          replicas: view.replicas.map((r) => nodeClient(r.host, r.port)),
        };
      } catch (err) {
        lastError = `sentinel ${s.host}:${s.port}: ${message(err)}`;
      }
    }
    return { master: { url: `sentinel://${t.name}`, error: lastError }, replicas: [] };
  }

  async function clusterLayout(): Promise<Layout> {
    let lastError = '';
    // A keyless command goes to a random node; try a few in case that one is down.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const text = String(await (connections.writer as Cluster).call('CLUSTER', 'NODES'));
        const shards = groupShards(parseClusterNodes(text)).map((s) => ({
          master: nodeClient(s.master.host, s.master.port),
          replicas: s.replicas.map((r) => nodeClient(r.host, r.port)),
          slots: s.slots,
        }));
        const first = shards[0];
        if (!first) throw new Error('the cluster has no shard serving slots');
        return { master: first.master, replicas: shards.flatMap((s) => s.replicas), shards };
      } catch (err) {
        lastError = message(err);
      }
    }
    return { master: { url: 'cluster', error: lastError }, replicas: [], shards: [] };
  }

  async function layout(): Promise<Layout> {
    switch (topology.kind) {
      case 'standalone':
        return {
          master: { url: redactUrl(topology.url), client: connections.writer as Redis },
          replicas: [],
        };
      case 'replicated':
        return {
          master: { url: redactUrl(topology.url), client: connections.writer as Redis },
          replicas: connections.replicas.map((r) => ({ url: redactUrl(r.url), client: r.client })),
        };
      case 'sentinel':
        return sentinelLayout(topology);
      case 'cluster':
        return clusterLayout();
    }
  }

  return {
    layout,
    nodeClient,
    async close() {
      const clients = [...nodeClients.values()];
      nodeClients.clear();
      for (const c of clients) c.disconnect();
    },
  };
}
