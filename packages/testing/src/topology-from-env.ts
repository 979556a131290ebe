import { Cluster as ClusterClient, type Redis } from 'ioredis';
import { registerCleanup } from './registry.js';
import { type Cluster, type StartRedisOptions, startCluster, startRedis, waitUntil } from './topologies.js';
import type { RedisServer } from './types.js';

/**
 * "Same tests, other topology": a test file asks for `startTestRedis()` and gets a standalone
 * server or a 3-master, 3-replica cluster depending on `TEST_REDIS_TOPOLOGY`, plus the
 * environment that configures the app for it (`REDIS_URL` or `REDIS_CLUSTER_NODES`) and the
 * few admin operations a test needs that differ between the two (scan every master, a config
 * change on every node, a client that follows slots).
 */

export type TestTopologyKind = 'standalone' | 'cluster';

export const TEST_TOPOLOGY_VARIABLE = 'TEST_REDIS_TOPOLOGY';

/** `TEST_REDIS_TOPOLOGY`: unset/`standalone` or `cluster`; anything else is a mistake worth failing on. */
export function testTopologyKind(env: NodeJS.ProcessEnv = process.env): TestTopologyKind {
  const value = (env[TEST_TOPOLOGY_VARIABLE] ?? '').trim().toLowerCase();
  if (value === '' || value === 'standalone') return 'standalone';
  if (value === 'cluster') return 'cluster';
  throw new Error(
    `${TEST_TOPOLOGY_VARIABLE}: expected "standalone" or "cluster", got ${JSON.stringify(value)}`,
  );
}

export interface TestRedis {
  readonly kind: TestTopologyKind;
  readonly isCluster: boolean;
  /** What `loadConfig` needs to reach it: `{ REDIS_URL }` or `{ REDIS_CLUSTER_NODES }`. */
  readonly env: Record<string, string>;
  /** The server of a standalone topology (undefined in cluster mode). */
  readonly server: RedisServer | undefined;
  /** The cluster (undefined in standalone mode). */
  readonly cluster: Cluster | undefined;
  /** The nodes that serve writes now: the server, or the cluster's current masters. */
  masters(): Promise<RedisServer[]>;
  /** Every node (masters and replicas). */
  nodes(): RedisServer[];
  /** A client that routes each command to the key's node (an ioredis Cluster in cluster mode). */
  client(): Redis | ClusterClient;
  /** `SCAN MATCH pattern` on every master, merged (never KEYS). */
  scanKeys(pattern: string): Promise<string[]>;
  /** Deletes keys one command each (keys of a cluster may live in different slots). */
  del(keys: string[]): Promise<number>;
  /** `CONFIG SET` on every node, so a policy change holds whichever node a command reaches. */
  configSet(name: string, value: string): Promise<void>;
  /** A BullMQ prefix: hash-tagged in cluster mode (BullMQ keeps one queue in one slot). */
  queuePrefix(name: string): string;
}

export interface StartTestRedisOptions extends Pick<StartRedisOptions, 'appendonly'> {
  /** Overrides TEST_REDIS_TOPOLOGY (tests that only make sense on one topology). */
  kind?: TestTopologyKind;
  /** Cluster only: cluster-node-timeout (failover speed). */
  nodeTimeoutMs?: number;
}

/** Starts the topology the environment asks for. Everything is stopped by `cleanupAll()`. */
export async function startTestRedis(opts: StartTestRedisOptions = {}): Promise<TestRedis> {
  const kind = opts.kind ?? testTopologyKind();
  return kind === 'cluster' ? startTestCluster(opts) : startTestStandalone(opts);
}

async function startTestStandalone(opts: StartTestRedisOptions): Promise<TestRedis> {
  const server = await startRedis(opts.appendonly ? { appendonly: true } : {});
  let admin: Redis | undefined;
  const client = () => {
    admin ??= server.client();
    return admin;
  };
  return {
    kind: 'standalone',
    isCluster: false,
    env: { REDIS_URL: server.url },
    server,
    cluster: undefined,
    masters: async () => [server],
    nodes: () => [server],
    client,
    scanKeys: (pattern) => scanNode(client(), pattern),
    async del(keys) {
      return keys.length === 0 ? 0 : client().del(...keys);
    },
    async configSet(name, value) {
      await client().config('SET', name, value);
    },
    queuePrefix: (name) => name,
  };
}

async function startTestCluster(opts: StartTestRedisOptions): Promise<TestRedis> {
  const cluster = await startCluster({
    // Replicas link in milliseconds instead of after the default 5 s diskless-sync delay.
    args: [
      '--repl-diskless-sync-delay',
      '0',
      ...(opts.appendonly ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : []),
    ],
    ...(opts.nodeTimeoutMs === undefined ? {} : { nodeTimeoutMs: opts.nodeTimeoutMs }),
  });
  const seeds = cluster.nodes.map((n) => ({ host: n.host, port: n.port }));
  let admin: ClusterClient | undefined;
  const client = () => {
    if (!admin) {
      const made = new ClusterClient(seeds, {
        redisOptions: { maxRetriesPerRequest: 1, connectTimeout: 2000 },
        clusterRetryStrategy: (times) => (times > 50 ? null : 200),
      });
      made.on('error', () => {});
      registerCleanup(async () => made.disconnect());
      admin = made;
    }
    return admin;
  };
  const masters = async () => {
    const out: RedisServer[] = [];
    for (const node of cluster.nodes) {
      if (!node.isRunning() || node.isPaused()) continue;
      const probe = node.client();
      try {
        if (/role:master/.test(await probe.info('replication'))) out.push(node);
      } catch {
        // unreachable right now: not a master we can use
      } finally {
        probe.disconnect();
      }
    }
    return out;
  };
  await waitForAgreement(cluster);
  await primeReplicas(cluster, client());
  return {
    kind: 'cluster',
    isCluster: true,
    env: { REDIS_CLUSTER_NODES: cluster.addresses },
    server: undefined,
    cluster,
    masters,
    nodes: () => cluster.nodes,
    client,
    async scanKeys(pattern) {
      const found: string[] = [];
      for (const master of await masters()) {
        const node = master.client();
        try {
          found.push(...(await scanNode(node, pattern)));
        } finally {
          node.disconnect();
        }
      }
      return found;
    },
    async del(keys) {
      let removed = 0;
      for (const key of keys) removed += await client().del(key);
      return removed;
    },
    async configSet(name, value) {
      for (const node of cluster.nodes.filter((n) => n.isRunning())) {
        const c = node.client();
        try {
          await c.config('SET', name, value);
        } finally {
          c.disconnect();
        }
      }
    },
    queuePrefix: (name) => `{${name}}`,
  };
}

async function scanNode(node: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    found.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

/**
 * `cluster_state:ok` comes before gossip has told every node which nodes are replicas of whom;
 * until then a node's CLUSTER NODES shows a replica as a slot-less master, and whatever reads
 * the layout from that node (the replication view) misses it.
 */
async function waitForAgreement(cluster: Cluster): Promise<void> {
  const expected = { masters: cluster.masters.length, replicas: cluster.replicas.length };
  for (const node of cluster.nodes) {
    const c = node.client();
    try {
      await waitUntil(
        async () => {
          const nodes = String(await c.call('CLUSTER', 'NODES'))
            .split('\n')
            .filter((l) => l.trim() !== '')
            .map((l) => l.trim().split(' '));
          const flags = (f: string[]) => (f[2] ?? '').split(',');
          const masters = nodes.filter((f) => flags(f).includes('master') && f.length > 8);
          const replicas = nodes.filter((f) => flags(f).includes('slave') && f[3] !== '-');
          return masters.length === expected.masters && replicas.length === expected.replicas;
        },
        15_000,
        `cluster node ${node.port} never saw every master and replica`,
      );
    } finally {
      c.disconnect();
    }
  }
}

/**
 * CLUSTER SLOTS lists a replica only once it has replicated something (offset > 0), and clients
 * with `scaleReads` only read from replicas that CLUSTER SLOTS lists: write and delete one key
 * per shard so an app built right after this reads from replicas from its first command.
 */
async function primeReplicas(cluster: Cluster, client: ClusterClient): Promise<void> {
  const owners = new Set<number>();
  const written: string[] = [];
  for (let i = 0; owners.size < cluster.masters.length && i < 1000; i++) {
    const key = `testing:prime:${i}`;
    const slot = Number(await client.call('CLUSTER', 'KEYSLOT', key));
    const owner = cluster.masters.findIndex((m) => (client.slots[slot] ?? [])[0] === `${m.host}:${m.port}`);
    if (owner < 0 || owners.has(owner)) continue;
    owners.add(owner);
    await client.set(key, '1');
    written.push(key);
  }
  for (const key of written) await client.del(key);
  await Promise.all(
    cluster.replicas.map(async (replica) => {
      const c = replica.client();
      try {
        await waitUntil(
          async () => Number(/slave_repl_offset:(\d+)/.exec(await c.info('replication'))?.[1] ?? 0) > 0,
          10_000,
          `cluster replica ${replica.port} replicated nothing`,
        );
      } finally {
        c.disconnect();
      }
    }),
  );
  // Each node learns a replica's offset from gossip: wait until every node lists them.
  const perRange = 1 + cluster.replicas.length / cluster.masters.length;
  for (const node of cluster.nodes) {
    const c = node.client();
    try {
      await waitUntil(
        async () =>
          ((await c.call('CLUSTER', 'SLOTS')) as unknown[][]).every((r) => r.length >= 2 + perRange),
        15_000,
        `cluster node ${node.port} does not list every replica in CLUSTER SLOTS`,
      );
    } finally {
      c.disconnect();
    }
  }
}
