import { Cluster, type Redis } from 'ioredis';
import { guarded } from '../guard.js';
import { parseInfo } from '../info-parser.js';

/** What the monitor shows about a Redis server, parsed from INFO. */
export interface RedisInfo {
  opsPerSec: number;
  usedMemory: number;
  usedMemoryHuman: string;
  maxmemory: number;
  maxmemoryPolicy: string;
  keyspaceHits: number;
  keyspaceMisses: number;
  connectedClients: number;
  uptimeSeconds: number;
  version: string;
  role: string;
  /** Keys in every database (sum of the keyspace section). */
  keys: number;
}

function summarize(fields: Record<string, string>): RedisInfo {
  const num = (name: string) => {
    const n = Number(fields[name]);
    return Number.isFinite(n) ? n : 0;
  };
  let keys = 0;
  for (const [name, value] of Object.entries(fields)) {
    // Keyspace lines: `db0:keys=12,expires=3,avg_ttl=0`
    if (/^db\d+$/.test(name)) keys += Number(/(?:^|,)keys=(\d+)/.exec(value)?.[1] ?? 0);
  }
  return {
    opsPerSec: num('instantaneous_ops_per_sec'),
    usedMemory: num('used_memory'),
    usedMemoryHuman: fields.used_memory_human ?? '',
    maxmemory: num('maxmemory'),
    maxmemoryPolicy: fields.maxmemory_policy ?? '',
    keyspaceHits: num('keyspace_hits'),
    keyspaceMisses: num('keyspace_misses'),
    connectedClients: num('connected_clients'),
    uptimeSeconds: num('uptime_in_seconds'),
    version: fields.redis_version ?? '',
    role: fields.role ?? '',
    keys,
  };
}

function humanBytes(bytes: number): string {
  const units = ['B', 'K', 'M', 'G', 'T'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(2)}${units[unit]}`;
}

/**
 * INFO of one server; for a Cluster client, every master's INFO added up (memory, ops, hits,
 * clients, keys), so the figures describe the whole data set.
 */
export function redisInfo(client: Redis | Cluster): Promise<RedisInfo> {
  return guarded('redisInfo', () => readInfo(client));
}

async function readInfo(client: Redis | Cluster): Promise<RedisInfo> {
  if (!(client instanceof Cluster)) return summarize(parseInfo(await client.info()));
  const infos = await Promise.all(
    client.nodes('master').map(async (node) => summarize(parseInfo(await node.info()))),
  );
  const first = infos[0];
  if (!first) throw new Error('redisInfo: the cluster has no master node');
  const sum = (pick: (i: RedisInfo) => number) => infos.reduce((total, info) => total + pick(info), 0);
  const usedMemory = sum((i) => i.usedMemory);
  return {
    ...first,
    opsPerSec: sum((i) => i.opsPerSec),
    usedMemory,
    usedMemoryHuman: humanBytes(usedMemory),
    maxmemory: sum((i) => i.maxmemory),
    keyspaceHits: sum((i) => i.keyspaceHits),
    keyspaceMisses: sum((i) => i.keyspaceMisses),
    connectedClients: sum((i) => i.connectedClients),
    uptimeSeconds: Math.min(...infos.map((i) => i.uptimeSeconds)),
    keys: sum((i) => i.keys),
  };
}
