import { randomBytes } from 'node:crypto';
import { type Cluster, Command, type Redis } from 'ioredis';
import type { Topology } from '../config/index.js';
import type { RedisConnections } from '../connections/index.js';
import { CacheUnavailableError, isRedisConnectionError, ValidationError } from '../errors.js';
import { parseReplicationInfo, type ReplicationInfo } from '../info-parser.js';
import type { Keyspace } from '../keys/index.js';
import { keySlot } from '../keys/slot.js';
import { createNodeDirectory, type NodeRef } from './layout.js';

export interface NodeStatus {
  url: string;
  role: 'master' | 'replica' | 'unknown';
  up: boolean;
  linkStatus?: 'up' | 'down';
  /** master_repl_offset on a master; the offset a replica has applied (or, when it is down, last acknowledged). */
  offset: number;
  /** Replica: master offset − replica offset. Null on a master, or when the master is unknown. */
  lagBytes: number | null;
  lastIoSecondsAgo: number | null;
  connectedReplicas?: number;
  error?: string;
}

export interface ShardStatus {
  master: NodeStatus;
  replicas: NodeStatus[];
  slots: [number, number][];
}

export interface ReplicationStatus {
  topology: Topology['kind'];
  master: NodeStatus;
  replicas: NodeStatus[];
  /** Cluster only: one entry per shard, in slot order. */
  shards?: ShardStatus[];
  checkedAt: number;
}

export interface ProbeResult {
  token: string;
  /** Epoch ms when the token was written on the master. */
  writtenAt: number;
  /** Set when the token could not be written (master down); every arrival is then null. */
  error?: string;
  results: { url: string; arrivedMs: number | null; error?: string }[];
}

export interface Replication {
  status(): Promise<ReplicationStatus>;
  probe(timeoutMs?: number): Promise<ProbeResult>;
  /**
   * One probe per `everyMs` for every process that calls this: the caller that takes the short
   * lock (`keys.probeLock()`, SET NX PX) probes and stores the result (`keys.probeLast()`), the
   * others read the stored one. Resolves with the newest stored result, null before the first.
   */
  sharedProbe(opts: { everyMs: number; timeoutMs?: number }): Promise<ProbeResult | null>;
  /**
   * Calls `listener` when a node that status() reported loses its connection or gets it back
   * (the client's 'close' after 'ready', or 'ready' after 'close'), so a watcher can re-read the
   * status at once instead of on its next poll. Returns the unsubscribe function.
   */
  onNodeChange(listener: () => void): () => void;
  /** WAIT on the writer's connection: how many replicas acknowledged every write made so far. */
  waitForReplicas(n: number, timeoutMs: number): Promise<{ acknowledged: number; perMaster?: number[] }>;
  /** Closes the node clients this module opened (sentinel, cluster and discovered nodes). */
  close(): Promise<void>;
}

type InfoResult = { info: ReplicationInfo } | { error: string };

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const loopback = (host: string) => (host === 'localhost' || host === '::1' ? '127.0.0.1' : host);

/** Resolves with `fallback` when `promise` has not settled within `ms` (and never rejects unhandled). */
function within<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  promise.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<F>((r) => (timer = setTimeout(() => r(fallback), Math.max(0, ms)))),
  ]).finally(() => clearTimeout(timer));
}

export function createReplication(deps: { connections: RedisConnections; keys: Keyspace }): Replication {
  const { connections, keys } = deps;
  const topology = connections.topology;
  const tuning = connections.tuning;
  const nodes = createNodeDirectory(connections);
  const { nodeClient } = nodes;
  const layout = () => nodes.layout();

  // A dead node's INFO would wait the whole command timeout; status() is polled every second
  // by the monitor, so each node gets three quarters of it (400-750 ms) and a dead one reads as down
  // on every poll instead of stalling the poll.
  const infoBudgetMs = Math.max(400, Math.min(750, ((tuning.commandTimeoutMs ?? 1000) * 3) / 4));

  // Connection state of the node clients status() read: 'lost' from a 'close' that followed a
  // 'ready' until the next 'ready'. A node whose connection is gone reads as down at once (its
  // INFO would only wait in the offline queue), and the change is announced to onNodeChange
  // listeners. A client that never connected ('new') keeps the INFO timeout.
  const links = new WeakMap<Redis, 'new' | 'up' | 'lost'>();
  const changeListeners = new Set<() => void>();
  const announce = () => {
    for (const listener of changeListeners) listener();
  };
  function watch(client: Redis): void {
    if (links.has(client)) return;
    links.set(client, client.status === 'ready' ? 'up' : 'new');
    client.on('ready', () => {
      const was = links.get(client);
      links.set(client, 'up');
      if (was === 'lost') announce();
    });
    client.on('close', () => {
      if (links.get(client) !== 'up') return;
      links.set(client, 'lost');
      announce();
    });
  }

  async function readInfo(client: Redis): Promise<InfoResult> {
    watch(client);
    if (links.get(client) === 'lost' && client.status !== 'ready') {
      return { error: `connection lost (${client.status})` };
    }
    const read = client.info('replication').then(
      (text): InfoResult => ({ info: parseReplicationInfo(text) }),
      (err: unknown): InfoResult => ({ error: message(err) }),
    );
    return within(read, infoBudgetMs, { error: `INFO timed out after ${infoBudgetMs} ms` });
  }

  function masterStatus(url: string, result: InfoResult): NodeStatus {
    if ('error' in result) {
      return {
        url,
        role: 'unknown',
        up: false,
        offset: 0,
        lagBytes: null,
        lastIoSecondsAgo: null,
        error: result.error,
      };
    }
    const { info } = result;
    return {
      url,
      role: info.role,
      up: true,
      offset: info.offset,
      lagBytes: null,
      lastIoSecondsAgo: info.lastIoSecondsAgo,
      ...(info.connectedReplicas === undefined ? {} : { connectedReplicas: info.connectedReplicas }),
    };
  }

  function replicaStatus(url: string, result: InfoResult, master: InfoResult | undefined): NodeStatus {
    const masterInfo = master && 'info' in master ? master.info : undefined;
    if ('error' in result) {
      // Down or hung: what the master last heard from it still shows how far behind it is.
      const { hostname, port } = new URL(url);
      const seen = masterInfo?.replicas.find(
        (r) => r.port === Number(port) && loopback(r.host) === loopback(hostname.replace(/^\[(.*)\]$/, '$1')),
      );
      return {
        url,
        role: 'unknown',
        up: false,
        offset: seen?.offset ?? 0,
        lagBytes: seen && masterInfo ? Math.max(0, masterInfo.offset - seen.offset) : null,
        lastIoSecondsAgo: null,
        error: result.error,
      };
    }
    const { info } = result;
    return {
      url,
      role: info.role,
      up: true,
      ...(info.linkStatus === undefined ? {} : { linkStatus: info.linkStatus }),
      offset: info.offset,
      lagBytes: masterInfo && info.role === 'replica' ? Math.max(0, masterInfo.offset - info.offset) : null,
      lastIoSecondsAgo: info.lastIoSecondsAgo,
      ...(info.connectedReplicas === undefined ? {} : { connectedReplicas: info.connectedReplicas }),
    };
  }

  async function group(
    master: NodeRef,
    replicas: NodeRef[],
  ): Promise<{ master: NodeStatus; replicas: NodeStatus[] }> {
    const [m, ...rs] = await Promise.all([
      readInfo(master.client),
      ...replicas.map((r) => readInfo(r.client)),
    ]);
    return {
      master: masterStatus(master.url, m as InfoResult),
      replicas: replicas.map((r, i) => replicaStatus(r.url, rs[i] as InfoResult, m)),
    };
  }

  async function status(): Promise<ReplicationStatus> {
    const l = await layout();
    const checkedAt = Date.now();
    if (!('client' in l.master)) {
      const down = masterStatus(l.master.url, { error: l.master.error });
      return {
        topology: topology.kind,
        master: down,
        replicas: [],
        ...(l.shards ? { shards: [] } : {}),
        checkedAt,
      };
    }
    if (l.shards) {
      const shards = await Promise.all(
        l.shards.map(async (s) => ({ ...(await group(s.master, s.replicas)), slots: s.slots })),
      );
      const first = shards[0] as ShardStatus;
      return {
        topology: topology.kind,
        master: first.master,
        replicas: shards.flatMap((s) => s.replicas),
        shards,
        checkedAt,
      };
    }
    let replicas = l.replicas;
    if (topology.kind === 'standalone') {
      // A standalone URL may still have replicas attached: list what the master reports.
      const m = await readInfo(l.master.client);
      if ('info' in m) replicas = m.info.replicas.map((r) => nodeClient(r.host, r.port));
    }
    return { topology: topology.kind, ...(await group(l.master, replicas)), checkedAt };
  }

  async function awaitArrival(
    node: NodeRef,
    key: string,
    expected: string,
    startedAt: number,
    deadline: number,
  ): Promise<{ url: string; arrivedMs: number | null; error?: string }> {
    let lastError: string | undefined;
    while (performance.now() < deadline) {
      const value = await within(
        node.client.get(key).catch((err: unknown) => {
          lastError = message(err);
          return null;
        }),
        deadline - performance.now(),
        undefined,
      );
      if (value === expected)
        return { url: node.url, arrivedMs: Math.round((performance.now() - startedAt) * 100) / 100 };
      // ~2 ms between reads gives millisecond resolution without flooding the replica.
      await sleep(lastError ? 20 : 2);
    }
    return { url: node.url, arrivedMs: null, ...(lastError ? { error: lastError } : {}) };
  }

  async function probe(timeoutMs = 2000): Promise<ProbeResult> {
    const token = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
    const l = await layout();
    // Cluster: one key per shard (a token suffix chosen so its slot is in that shard), so
    // every replica of every shard has something to receive.
    const targets: { key: string; replicas: NodeRef[] }[] = [];
    if (l.shards) {
      for (const shard of l.shards) {
        for (let i = 0; i < 100_000; i++) {
          const key = keys.probe(`${token}.${i}`);
          const slot = keySlot(key);
          if (shard.slots.some(([from, to]) => slot >= from && slot <= to)) {
            targets.push({ key, replicas: shard.replicas });
            break;
          }
        }
      }
    } else {
      targets.push({ key: keys.probe(token), replicas: l.replicas });
    }
    const writtenAt = Date.now();
    const value = String(writtenAt);
    const startedAt = performance.now();
    try {
      await Promise.all(targets.map((t) => connections.writer.set(t.key, value, 'PX', 10_000)));
    } catch (err) {
      return {
        token,
        writtenAt,
        error: `could not write the probe on the master: ${message(err)}`,
        results: targets.flatMap((t) => t.replicas.map((r) => ({ url: r.url, arrivedMs: null }))),
      };
    }
    const deadline = startedAt + timeoutMs;
    const results = await Promise.all(
      targets.flatMap((t) => t.replicas.map((r) => awaitArrival(r, t.key, value, startedAt, deadline))),
    );
    // The keys expire on their own (PX); deleting now just keeps the keyspace tidy.
    for (const t of targets) connections.writer.del(t.key).catch(() => {});
    return { token, writtenAt, results };
  }

  async function sharedProbe(opts: { everyMs: number; timeoutMs?: number }): Promise<ProbeResult | null> {
    const { everyMs, timeoutMs = 2000 } = opts;
    if (!Number.isInteger(everyMs) || everyMs < 100 || everyMs > 3_600_000) {
      throw new ValidationError('everyMs must be an integer 100-3600000');
    }
    const writer = connections.writer;
    // A little under the period: a timer firing a few ms early still finds the lock gone.
    const won = await writer.set(
      keys.probeLock(),
      String(process.pid),
      'PX',
      Math.floor(everyMs * 0.9),
      'NX',
    );
    if (won === 'OK') {
      const result = await probe(timeoutMs);
      // Kept a few periods: when no instance probes any more, the last result goes too.
      await writer.set(keys.probeLast(), JSON.stringify(result), 'PX', Math.max(60_000, everyMs * 3));
      return result;
    }
    const stored = await writer.get(keys.probeLast());
    if (stored === null) return null;
    try {
      return JSON.parse(stored) as ProbeResult;
    } catch {
      return null; // written by something else: no figure rather than a wrong one
    }
  }

  async function waitForReplicas(
    n: number,
    timeoutMs: number,
  ): Promise<{ acknowledged: number; perMaster?: number[] }> {
    if (!Number.isInteger(n) || n < 0 || n > 1000) throw new ValidationError('n must be an integer 0-1000');
    // WAIT 0 blocks forever: a timeout must be at least 1 ms.
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 60_000) {
      throw new ValidationError('timeoutMs must be an integer 1-60000');
    }
    const run = async (client: Redis): Promise<number> => {
      const command = new Command('wait', [n, timeoutMs], { replyEncoding: 'utf8' });
      // WAIT may legitimately take timeoutMs: arm a longer timeout than the client's default
      // (ioredis keeps the first timeout set on a command).
      command.setTimeout(timeoutMs + (tuning.commandTimeoutMs ?? 1000));
      return Number(await client.sendCommand(command));
    };
    try {
      if (topology.kind === 'cluster') {
        const perMaster = await Promise.all((connections.writer as Cluster).nodes('master').map(run));
        return { acknowledged: perMaster.length ? Math.min(...perMaster) : 0, perMaster };
      }
      return { acknowledged: await run(connections.writer as Redis) };
    } catch (err) {
      if (isRedisConnectionError(err))
        throw new CacheUnavailableError(`WAIT failed: ${message(err)}`, { cause: err });
      throw err;
    }
  }

  return {
    status,
    probe,
    sharedProbe,
    waitForReplicas,
    onNodeChange(listener) {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
    close: () => nodes.close(),
  };
}
