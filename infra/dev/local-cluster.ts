import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
// Types only: local-topologies.ts registers this topology, so a runtime import back would be a cycle.
import type { LocalRedis, LocalTopology } from './local-topology.js';
import { isPortFree, pickPort, portRange } from './ports.js';
import { RedisProcess } from './redis-process.js';

const exec = promisify(execFile);

/** Three shards: the smallest cluster Redis accepts (a majority of masters must survive a failure). */
const MASTERS = 3;
const BASE_PORT = 7000;
/** Cluster nodes also listen on port + 10000 (the cluster bus). */
const BUS_OFFSET = 10_000;

/** The port a node had in its saved cluster config (`nodes.conf`, the `myself` line). */
function savedPort(dataDir: string): number | null {
  const file = join(dataDir, 'nodes.conf');
  if (!existsSync(file)) return null;
  const myself = readFileSync(file, 'utf8')
    .split('\n')
    .find((line) => line.split(' ')[2]?.split(',').includes('myself'));
  const port = Number(/:(\d+)@/.exec(myself ?? '')?.[1]);
  return Number.isInteger(port) && port > 0 ? port : null;
}

async function portWithBus(preferred: number[], taken: Set<number>): Promise<number> {
  for (;;) {
    const port = await pickPort(preferred, taken);
    taken.add(port);
    if (port + BUS_OFFSET <= 65_535 && (await isPortFree(port + BUS_OFFSET))) return port;
    preferred = preferred.filter((p) => p !== port);
  }
}

async function clusterState(port: number): Promise<string> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  try {
    await client.connect();
    return /cluster_state:(\w+)/.exec(String(await client.call('CLUSTER', 'INFO')))?.[1] ?? 'unknown';
  } catch (err) {
    return `unreachable (${(err as Error).message})`;
  } finally {
    client.disconnect();
  }
}

async function waitForState(ports: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const port of ports) {
    let state = '';
    while (Date.now() < deadline) {
      state = await clusterState(port);
      if (state === 'ok') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (state !== 'ok') throw new Error(`cluster node ${port} reports cluster_state:${state}`);
  }
}

/**
 * A Redis Cluster of local processes: 3 masters, each with `--replicas N` replicas (default 1),
 * every node with the database role's durability (AOF everysec, never evicts). The cluster is
 * created once (`redis-cli --cluster create`) and its `nodes.conf` kept, so the next start
 * rejoins the same cluster with its data; when a node cannot get its old port back, the
 * cluster is created anew (a dev cluster, the catalog is seeded again).
 */
export const clusterTopology: LocalTopology = {
  name: 'cluster',
  summary: 'a Redis Cluster: 3 masters with --replicas N replicas each (default 1), AOF everysec',
  async start(opts): Promise<LocalRedis> {
    const perMaster = opts.replicas ?? 1;
    const count = MASTERS * (1 + perMaster);
    const dirs = Array.from({ length: count }, (_, i) => join(opts.dataRoot, `cluster-${i + 1}`));
    const saved = dirs.map(savedPort);
    const preferred = portRange(opts.basePort ?? BASE_PORT, 40);
    const taken = new Set<number>();
    const ports: number[] = [];
    for (const [i] of dirs.entries()) {
      const wanted = saved[i];
      ports.push(await portWithBus(wanted ? [wanted, ...preferred] : preferred, taken));
    }
    // Reuse the saved cluster only when it is complete and every node is back on its port.
    const reuse = saved.every((port, i) => port !== null && port === ports[i]);
    if (!reuse) for (const dir of dirs) rmSync(dir, { recursive: true, force: true });

    const nodes: RedisProcess[] = [];
    const stopAll = async () => {
      for (const node of [...nodes].reverse()) await node.stop();
    };
    try {
      for (const [i, dir] of dirs.entries()) {
        nodes.push(
          await RedisProcess.start({
            name: `cluster-${i + 1}`,
            port: ports[i] as number,
            dataDir: dir,
            bin: opts.bin,
            args: [
              ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
              ...['--cluster-node-timeout', '5000'],
              ...['--appendonly', 'yes', '--appendfsync', 'everysec'],
              ...['--maxmemory-policy', 'noeviction'],
              ...['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0'],
            ],
          }),
        );
      }
      const addresses = nodes.map((n) => `${n.host}:${n.port}`);
      if (!reuse) {
        const args = ['--cluster', 'create', ...addresses, '--cluster-replicas', String(perMaster)];
        await exec('redis-cli', [...args, '--cluster-yes']).catch((err: Error & { stderr?: string }) => {
          throw new Error(`redis-cli --cluster create failed: ${err.stderr?.trim() || err.message}`);
        });
      }
      await waitForState(
        nodes.map((n) => n.port),
        30_000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}; to start afresh, remove ${join(opts.dataRoot, 'cluster-*')}`);
      });
      const first = nodes[0] as RedisProcess;
      const width = 48;
      const line = (command: string, why: string) => `${command.padEnd(width)}   # ${why}`;
      return {
        topology: 'cluster',
        env: { REDIS_CLUSTER_NODES: addresses.join(',') },
        nodes,
        tryCommands: [
          line(`redis-cli -p ${first.port} CLUSTER INFO`, 'cluster_state:ok, 16384 slots assigned'),
          line(`redis-cli --cluster check 127.0.0.1:${first.port}`, 'masters, replicas and their slots'),
          line(`redis-cli -c -p ${first.port} GET {db}:product:prod1`, 'the catalog, in the {db} slot'),
          line(`redis-cli -c -p ${first.port} GET data:prod1`, 'a cache entry, on whichever shard'),
        ],
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
