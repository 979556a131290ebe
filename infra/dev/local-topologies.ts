import { join } from 'node:path';
import { Redis } from 'ioredis';
import { clusterTopology } from './local-cluster.js';
import type { LocalTopology } from './local-topology.js';
import { pickPort, portRange } from './ports.js';
import { RedisProcess } from './redis-process.js';

export type { LocalRedis, LocalTopology, TopologyOptions } from './local-topology.js';

/** Redis servers the orchestrator runs itself, and how the apps reach them. */

/**
 * The seed's setup: a master (`redis-server`, the database role: AOF everysec plus RDB
 * snapshots, never evicts) and replicas started with `--replicaof`, read-only.
 */
export const replicatedTopology: LocalTopology = {
  name: 'replicated',
  summary: 'one master (AOF everysec) and --replicas N read-only replicas (default 1), as in the seed',
  async start(opts) {
    const base = opts.basePort ?? 6379;
    const preferred = portRange(base, 21);
    const nodes: RedisProcess[] = [];
    const stopAll = async () => {
      for (const node of [...nodes].reverse()) await node.stop();
    };
    try {
      const taken = new Set<number>();
      const masterPort = await pickPort(preferred, taken);
      taken.add(masterPort);
      const master = await RedisProcess.start({
        name: 'master',
        port: masterPort,
        dataDir: join(opts.dataRoot, 'master'),
        bin: opts.bin,
        args: [
          ...['--appendonly', 'yes', '--appendfsync', 'everysec'],
          ...['--save', '3600 1 300 100 60 10000'],
          ...['--maxmemory-policy', 'noeviction'],
          // A replica links in milliseconds instead of waiting the default 5 s for others.
          ...['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0'],
        ],
      });
      nodes.push(master);
      const replicas: RedisProcess[] = [];
      for (let i = 1; i <= (opts.replicas ?? 1); i++) {
        const port = await pickPort(
          preferred.filter((p) => p > masterPort),
          taken,
        );
        taken.add(port);
        const replica = await RedisProcess.start({
          name: opts.replicas && opts.replicas > 1 ? `replica-${i}` : 'replica',
          port,
          dataDir: join(opts.dataRoot, i === 1 ? 'replica' : `replica-${i}`),
          bin: opts.bin,
          args: [
            ...['--replicaof', master.host, String(master.port)],
            ...['--replica-read-only', 'yes'],
            // The master holds the durable copy; a replica resyncs from it on start.
            ...['--appendonly', 'no', '--save', ''],
          ],
        });
        nodes.push(replica);
        replicas.push(replica);
      }
      await Promise.all(replicas.map((r) => waitForLinkUp(r.port, 15_000)));
      const first = replicas[0];
      return {
        topology: 'replicated',
        env: {
          REDIS_URL: master.url,
          ...(replicas.length > 0 ? { REDIS_REPLICA_URLS: replicas.map((r) => r.url).join(',') } : {}),
        },
        nodes,
        tryCommands: alignComments([
          [`redis-cli -p ${master.port} SET test "Hello Redis"`, 'write on the master'],
          ...(first ? [[`redis-cli -p ${first.port} GET test`, 'read it back on the replica'] as const] : []),
          ...(first
            ? [[`redis-cli -p ${first.port} INFO replication`, 'role:slave, master_link_status:up'] as const]
            : []),
          [`redis-cli -p ${master.port} GET db:product:prod1`, "the seed's product, stored in Redis"],
        ]),
        stop: stopAll,
        killNow: () => {
          for (const node of nodes) node.killNow();
        },
      };
    } catch (err) {
      await stopAll();
      throw err;
    }
  },
};

export const localTopologies: Record<string, LocalTopology> = {
  [replicatedTopology.name]: replicatedTopology,
  [clusterTopology.name]: clusterTopology,
};

/** Polls INFO replication until the replica reports `master_link_status:up`. */
export async function waitForLinkUp(
  port: number,
  timeoutMs: number,
  auth?: { username: string; password: string },
): Promise<void> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1, ...auth });
  client.on('error', () => {});
  const deadline = Date.now() + timeoutMs;
  try {
    await client.connect();
    while (Date.now() < deadline) {
      if (/master_link_status:up/.test(await client.info('replication'))) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`replica on port ${port} never linked to its master within ${timeoutMs} ms`);
  } finally {
    client.disconnect();
  }
}

/** `command   # why` lines with the comments in one column. */
export function alignComments(lines: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...lines.map(([command]) => command.length));
  return lines.map(([command, why]) => `${command.padEnd(width)}   # ${why}`);
}
