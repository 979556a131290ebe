/**
 * Parses the text of `INFO` (any section) into a flat field map, and reads the replication
 * fields both the reader's health check and the replication status need.
 */
export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

export interface ReplicationInfo {
  role: 'master' | 'replica' | 'unknown';
  /** master_repl_offset on a master; slave_repl_offset (what it has applied) on a replica. */
  offset: number;
  /** The master's own offset as the replica last heard it (replica only). */
  masterOffset: number | null;
  linkStatus?: 'up' | 'down';
  lastIoSecondsAgo: number | null;
  connectedReplicas?: number;
  masterHost?: string;
  masterPort?: number;
  /** The `slaveN:` lines of a master: where each replica is and the offset it acknowledged. */
  replicas: { host: string; port: number; state: string; offset: number; lagSeconds: number | null }[];
}

function num(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export function parseReplicationInfo(text: string): ReplicationInfo {
  const f = parseInfo(text);
  const role = f.role === 'master' ? 'master' : f.role === 'slave' ? 'replica' : 'unknown';
  const replicas: ReplicationInfo['replicas'] = [];
  for (const [name, value] of Object.entries(f)) {
    if (!/^slave\d+$/.test(name)) continue;
    const parts = Object.fromEntries(value.split(',').map((kv) => kv.split('=') as [string, string]));
    const port = num(parts.port);
    if (parts.ip === undefined || port === null) continue;
    replicas.push({
      host: parts.ip,
      port,
      state: parts.state ?? 'unknown',
      offset: num(parts.offset) ?? 0,
      lagSeconds: num(parts.lag),
    });
  }
  const info: ReplicationInfo = {
    role,
    offset: (role === 'replica' ? num(f.slave_repl_offset) : num(f.master_repl_offset)) ?? 0,
    masterOffset: role === 'replica' ? num(f.master_repl_offset) : null,
    lastIoSecondsAgo: role === 'replica' ? num(f.master_last_io_seconds_ago) : null,
    replicas,
  };
  if (role === 'replica') {
    info.linkStatus = f.master_link_status === 'up' ? 'up' : 'down';
    if (f.master_host !== undefined) info.masterHost = f.master_host;
    const masterPort = num(f.master_port);
    if (masterPort !== null) info.masterPort = masterPort;
    // -1 while the link is down: "never" rather than a negative age.
    if (info.lastIoSecondsAgo !== null && info.lastIoSecondsAgo < 0) info.lastIoSecondsAgo = null;
  }
  const connected = num(f.connected_slaves);
  if (connected !== null) info.connectedReplicas = connected;
  return info;
}
