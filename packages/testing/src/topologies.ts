import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { dockerAvailable, startContainerRedis } from './container-server.js';
import type { Placement } from './net/host.js';
import { ProcessRedisServer, type ProcessServerOptions } from './process-server.js';
import type { RedisServer } from './types.js';

const exec = promisify(execFile);

export interface StartRedisOptions {
  /** AOF with appendfsync everysec (the database role). */
  appendonly?: boolean;
  /** Extra redis-server arguments, e.g. ['--maxmemory', '2mb', '--maxmemory-policy', 'allkeys-lru']. */
  args?: string[];
  /** Config file lines (e.g. an infra/redis/*.conf's content); command-line args still win. */
  configLines?: string[];
  password?: string;
  /** 'auto' (default): a container when a Docker engine answers, else a local process. */
  backend?: 'auto' | 'process' | 'container';
}

async function chooseBackend(opts: StartRedisOptions): Promise<'process' | 'container'> {
  const wanted = opts.backend ?? (process.env.REDIS_TEST_BACKEND as StartRedisOptions['backend']) ?? 'auto';
  if (wanted !== 'auto') return wanted;
  return (await dockerAvailable()) ? 'container' : 'process';
}

/** A standalone Redis server for one test file. */
export async function startRedis(opts: StartRedisOptions = {}): Promise<RedisServer> {
  if ((await chooseBackend(opts)) === 'container') return startContainerRedis(opts);
  return ProcessRedisServer.start({ role: 'standalone', ...processOpts(opts) });
}

function processOpts(opts: StartRedisOptions): Omit<ProcessServerOptions, 'role'> {
  return {
    appendonly: opts.appendonly,
    args: opts.args,
    configLines: opts.configLines,
    password: opts.password,
  };
}

export interface Replicated {
  master: RedisServer;
  replicas: RedisServer[];
  /** Resolves once every running replica reports master_link_status:up. */
  waitForSync(timeoutMs?: number): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * A master with n replicas (`--replicaof`, as in the seed). Multi-node topologies always
 * run as local processes: they need signals for fault tests and one shared network view.
 */
export async function startReplicated(
  opts: StartRedisOptions & {
    replicas?: number;
    replicaArgs?: string[];
    /** Where node i runs (0 = the master): e.g. a Host's placement (net/host.ts). */
    place?: (index: number) => Placement;
  } = {},
): Promise<Replicated> {
  // No diskless-sync delay: a replica links in milliseconds instead of the default 5 s.
  const master = await ProcessRedisServer.start({
    role: 'master',
    ...processOpts(opts),
    ...opts.place?.(0),
    args: ['--repl-diskless-sync-delay', '0', ...(opts.args ?? [])],
  });
  const replicas: RedisServer[] = [];
  for (let i = 0; i < (opts.replicas ?? 1); i++) {
    replicas.push(
      await ProcessRedisServer.start({
        role: 'replica',
        ...processOpts(opts),
        args: [
          ...(opts.args ?? []),
          '--replicaof',
          master.host,
          String(master.port),
          ...(opts.replicaArgs ?? []),
        ],
        ...opts.place?.(i + 1),
      }),
    );
  }
  const replicated: Replicated = {
    master,
    replicas,
    waitForSync: (timeoutMs = 10_000) =>
      Promise.all(replicas.filter((r) => r.isRunning()).map((r) => waitForLinkUp(r, timeoutMs))).then(
        () => {},
      ),
    destroy: async () => {
      await Promise.all([master, ...replicas].map((s) => s.destroy()));
    },
  };
  await replicated.waitForSync();
  return replicated;
}

export async function waitForLinkUp(replica: RedisServer, timeoutMs = 10_000): Promise<void> {
  const client = replica.client();
  try {
    await waitUntil(
      async () => /master_link_status:up/.test(await client.info('replication')),
      timeoutMs,
      `replica ${replica.port} never linked to its master`,
    );
  } finally {
    client.disconnect();
  }
}

export interface Sentinels {
  name: string;
  sentinels: RedisServer[];
  /** `host:port` pairs, the shape REDIS_SENTINELS takes. */
  addresses: string;
  /** Asks a sentinel which node is the master now. */
  currentMaster(): Promise<{ host: string; port: number }>;
  destroy(): Promise<void>;
}

/** `count` sentinels (default 3, quorum 2) watching an existing master. */
export async function startSentinels(opts: {
  master: RedisServer;
  count?: number;
  quorum?: number;
  name?: string;
  downAfterMs?: number;
  failoverTimeoutMs?: number;
  password?: string;
  /** Where sentinel i runs: e.g. a Host's placement (net/host.ts). */
  place?: (index: number) => Placement;
}): Promise<Sentinels> {
  const name = opts.name ?? 'mymaster';
  const sentinels: RedisServer[] = [];
  for (let i = 0; i < (opts.count ?? 3); i++) {
    const lines = [
      `sentinel monitor ${name} ${opts.master.host} ${opts.master.port} ${opts.quorum ?? 2}`,
      `sentinel down-after-milliseconds ${name} ${opts.downAfterMs ?? 1000}`,
      `sentinel failover-timeout ${name} ${opts.failoverTimeoutMs ?? 5000}`,
      `sentinel parallel-syncs ${name} 1`,
    ];
    if (opts.password) lines.push(`sentinel auth-pass ${name} ${opts.password}`);
    sentinels.push(
      await ProcessRedisServer.start({
        role: 'sentinel',
        sentinel: true,
        configLines: lines,
        ...opts.place?.(i),
      }),
    );
  }
  const first = () => sentinels.find((s) => s.isRunning() && !s.isPaused()) ?? sentinels[0]!;
  const result: Sentinels = {
    name,
    sentinels,
    addresses: sentinels.map((s) => `${s.host}:${s.port}`).join(','),
    currentMaster: async () => {
      const client = first().client();
      try {
        const reply = (await client.call('SENTINEL', 'get-master-addr-by-name', name)) as [string, string];
        return { host: reply[0], port: Number(reply[1]) };
      } finally {
        client.disconnect();
      }
    },
    destroy: async () => {
      await Promise.all(sentinels.map((s) => s.destroy()));
    },
  };
  // Sentinels find each other through the master's hello channel; wait until they do so
  // that a failover can reach its quorum.
  const expectedPeers = sentinels.length - 1;
  for (const s of sentinels) {
    const client = s.client();
    try {
      await waitUntil(
        async () => {
          const info = (await client.call('SENTINEL', 'master', name)) as string[];
          const idx = info.indexOf('num-other-sentinels');
          return Number(info[idx + 1]) >= expectedPeers;
        },
        15_000,
        `sentinel ${s.port} did not discover its peers`,
      );
    } finally {
      client.disconnect();
    }
  }
  return result;
}

export interface Cluster {
  nodes: RedisServer[];
  masters: RedisServer[];
  replicas: RedisServer[];
  /** `host:port` list, the shape REDIS_CLUSTER_NODES takes. */
  addresses: string;
  /** Waits until every running node reports cluster_state:ok. */
  waitForOk(timeoutMs?: number): Promise<void>;
  /** Waits until every running node reports this cluster_state (each node decides on its own clock). */
  waitForState(state: 'ok' | 'fail', timeoutMs?: number): Promise<void>;
  destroy(): Promise<void>;
}

/** A Redis Cluster of local processes: `masters` shards with `replicasPerMaster` each (3 and 1 by default). */
export async function startCluster(
  opts: { masters?: number; replicasPerMaster?: number; nodeTimeoutMs?: number; args?: string[] } = {},
): Promise<Cluster> {
  const masters = opts.masters ?? 3;
  const perMaster = opts.replicasPerMaster ?? 1;
  const total = masters * (1 + perMaster);
  const nodes: ProcessRedisServer[] = [];
  for (let i = 0; i < total; i++) {
    nodes.push(
      await ProcessRedisServer.start({
        role: 'cluster',
        needsBusPort: true,
        args: [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          String(opts.nodeTimeoutMs ?? 2000),
          ...(opts.args ?? []),
        ],
      }),
    );
  }
  await exec('redis-cli', [
    '--cluster',
    'create',
    ...nodes.map((n) => `${n.host}:${n.port}`),
    '--cluster-replicas',
    String(perMaster),
    '--cluster-yes',
  ]);
  const cluster: Cluster = {
    nodes,
    masters: [],
    replicas: [],
    addresses: nodes.map((n) => `${n.host}:${n.port}`).join(','),
    waitForOk: (timeoutMs = 30_000) => cluster.waitForState('ok', timeoutMs),
    waitForState: async (state, timeoutMs = 30_000) => {
      for (const node of nodes.filter((n) => n.isRunning() && !n.isPaused())) {
        const client = node.client();
        try {
          await waitUntil(
            async () => ((await client.call('CLUSTER', 'INFO')) as string).includes(`cluster_state:${state}`),
            timeoutMs,
            `cluster node ${node.port} never reached cluster_state:${state}`,
          );
        } finally {
          client.disconnect();
        }
      }
    },
    destroy: async () => {
      await Promise.all(nodes.map((n) => n.destroy()));
    },
  };
  await cluster.waitForOk();
  for (const node of nodes) {
    const client = node.client();
    try {
      const role = (await client.info('replication')).match(/role:(\w+)/)?.[1];
      (role === 'master' ? cluster.masters : cluster.replicas).push(node);
    } finally {
      client.disconnect();
    }
  }
  // Replicas must have synced before tests read from them.
  await Promise.all(cluster.replicas.map((r) => waitForLinkUp(r, 20_000)));
  return cluster;
}

/** Polls `check` every 50 ms until it is true or the timeout passes (then throws `message`). */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  message = 'condition not met in time',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `${message} (after ${timeoutMs} ms${lastError ? `; last error: ${String(lastError)}` : ''})`,
  );
}

export type { Redis };
