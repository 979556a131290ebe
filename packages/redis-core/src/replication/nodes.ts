import type { Redis } from 'ioredis';
import type { HostPort } from '../config/index.js';

/**
 * Finds the nodes behind a sentinel or cluster topology: the replication status needs every
 * node's address, which the client libraries keep to themselves.
 */

export interface ClusterNodeEntry {
  id: string;
  host: string;
  port: number;
  role: 'master' | 'replica';
  masterId: string | null;
  failing: boolean;
  slots: [number, number][];
}

/** Parses `CLUSTER NODES`. Nodes without an address (noaddr, handshake) are left out. */
export function parseClusterNodes(text: string): ClusterNodeEntry[] {
  const entries: ClusterNodeEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ');
    if (fields.length < 8) continue;
    const [id, address, flagText, master, , , , , ...slotFields] = fields as string[];
    const flags = (flagText ?? '').split(',');
    if (flags.includes('noaddr') || flags.includes('handshake')) continue;
    const hostPort = (address ?? '').split('@')[0] ?? '';
    const colon = hostPort.lastIndexOf(':');
    const port = Number(hostPort.slice(colon + 1));
    if (colon <= 0 || !Number.isInteger(port) || port <= 0) continue;
    const slots: [number, number][] = [];
    for (const s of slotFields) {
      if (s.startsWith('[')) continue; // a slot being migrated/imported, not served yet
      const [from, to] = s.split('-').map(Number);
      if (from !== undefined && Number.isInteger(from)) slots.push([from, to ?? from]);
    }
    entries.push({
      id: id as string,
      host: hostPort.slice(0, colon),
      port,
      role: flags.includes('master') ? 'master' : 'replica',
      masterId: master === '-' || master === undefined ? null : master,
      failing: flags.includes('fail') || flags.includes('fail?'),
      slots: slots.sort((a, b) => a[0] - b[0]),
    });
  }
  return entries;
}

export interface ShardNodes {
  master: ClusterNodeEntry;
  replicas: ClusterNodeEntry[];
  slots: [number, number][];
}

export function groupShards(entries: ClusterNodeEntry[]): ShardNodes[] {
  return entries
    .filter((e) => e.role === 'master' && e.slots.length > 0)
    .map((master) => ({
      master,
      replicas: entries.filter((e) => e.role === 'replica' && e.masterId === master.id),
      slots: master.slots,
    }))
    .sort((a, b) => (a.slots[0]?.[0] ?? 0) - (b.slots[0]?.[0] ?? 0));
}

/** Flat `[k, v, k, v…]` (RESP2 / legacy RESP3 map) or a plain object → a record. */
function asRecord(reply: unknown): Record<string, string> {
  if (Array.isArray(reply)) {
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
    return out;
  }
  if (reply && typeof reply === 'object') {
    return Object.fromEntries(Object.entries(reply).map(([k, v]) => [k, String(v)]));
  }
  return {};
}

export interface SentinelView {
  master: HostPort;
  replicas: (HostPort & { flags: string })[];
}

/** Asks one sentinel where the master and its replicas are (`SENTINEL get-master-addr-by-name`, `SENTINEL replicas`). */
export async function askSentinel(sentinel: Redis, name: string): Promise<SentinelView> {
  const addr = (await sentinel.call('SENTINEL', 'get-master-addr-by-name', name)) as [string, string] | null;
  if (!addr) throw new Error(`sentinel does not know master "${name}"`);
  const replies = (await sentinel.call('SENTINEL', 'replicas', name)) as unknown[];
  return {
    master: { host: addr[0], port: Number(addr[1]) },
    replicas: replies
      .map(asRecord)
      .filter((r) => r.ip !== undefined && r.port !== undefined)
      .map((r) => ({ host: r.ip as string, port: Number(r.port), flags: r.flags ?? '' })),
  };
}
