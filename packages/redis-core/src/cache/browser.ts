import { Cluster, type Redis } from 'ioredis';
import { ValidationError } from '../errors.js';
import { execPipeline } from '../guard.js';
import type { Keyspace } from '../keys/index.js';

/**
 * The key browser and bulk invalidation: SCAN only (never KEYS), metadata in one pipeline per
 * page, deletes with UNLINK in batches. In cluster mode every master is scanned in turn and
 * the cursor says which one (`<node>-<cursor>`).
 */
export interface KeyInfo {
  key: string;
  type: string;
  /** Milliseconds left, null when the key has no expiry. */
  ttlMs: number | null;
  /** MEMORY USAGE, null when unknown. */
  sizeBytes: number | null;
}

const PATTERN = /^[A-Za-z0-9_.:*?{}-]{1,128}$/;
/** Printable ASCII without spaces: what every key this package builds is made of. */
const PRINTABLE = /^[!-~]+$/;
const CURSOR = /^(\d{1,4}-)?(\d{1,20})$/;
/** SCAN's cursor is an unsigned 64-bit integer: Redis answers `ERR invalid cursor` past it. */
const MAX_CURSOR = 2n ** 64n - 1n;
const BATCH = 500;
/** Bounds one page's work when few keys match (each SCAN walks ~COUNT buckets). */
const MAX_SCANS_PER_PAGE = 16;
const MEMBERS_SHOWN = 100;
/** Namespaces invalidatePrefix may touch: cache entries only, never the catalog or queues. */
const CACHE_NAMESPACES = ['data:', 'cache:'];

type Client = Redis | Cluster;

function scanTargets(client: Client): Redis[] {
  if (!(client instanceof Cluster)) return [client];
  return client
    .nodes('master')
    .slice()
    .sort((a, b) =>
      `${a.options.host}:${a.options.port}`.localeCompare(`${b.options.host}:${b.options.port}`),
    );
}

export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

function clampCount(count: unknown): number {
  const n = Number(count ?? 100);
  if (!Number.isFinite(n)) return 100;
  return Math.min(1000, Math.max(1, Math.trunc(n)));
}

function validatePattern(pattern: unknown): string {
  if (pattern === undefined || pattern === '') return '*';
  if (typeof pattern !== 'string' || !PATTERN.test(pattern)) {
    throw new ValidationError('pattern: 1-128 characters of letters, digits and _ . : * ? { } - only', [
      { path: ['pattern'], message: 'invalid pattern' },
    ]);
  }
  return pattern;
}

/** Validates a key typed by a user (the browser's inspect): printable, bounded. */
export function validateKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 1024 || !PRINTABLE.test(key)) {
    throw new ValidationError('key: 1-1024 printable characters without spaces', [
      { path: ['key'], message: 'invalid key' },
    ]);
  }
  return key;
}

function parseTtl(pttl: unknown): number | null {
  const n = Number(pttl);
  return n >= 0 ? n : null;
}

const isNoPerm = (err: unknown) => err instanceof Error && /^NOPERM\b/.test(err.message);

async function describeKeys(node: Redis, keys: string[]): Promise<KeyInfo[]> {
  if (keys.length === 0) return [];
  const pipeline = node.pipeline();
  for (const key of keys) pipeline.type(key).pttl(key).call('MEMORY', 'USAGE', key);
  const results = await pipeline.exec();
  if (!results) throw new Error('pipeline was discarded');
  const infos: KeyInfo[] = [];
  keys.forEach((key, i) => {
    const own = results.slice(i * 3, i * 3 + 3);
    // A key the Redis user may not read (ACL): SCAN lists it, but it is not ours to show.
    if (own.some(([err]) => isNoPerm(err))) return;
    const failed = own.find(([err]) => err);
    if (failed) throw failed[0];
    const replies = own.map(([, reply]) => reply);
    const type = String(replies[0]);
    // Expired or deleted between SCAN and TYPE: not worth showing.
    if (type === 'none') return;
    const size = replies[2];
    infos.push({
      key,
      type,
      ttlMs: parseTtl(replies[1]),
      sizeBytes: size === null ? null : Number(size),
    });
  });
  return infos;
}

export async function scanKeys(
  client: Client,
  opts: { pattern?: string; cursor?: string; count?: number; visible?: (key: string) => boolean } = {},
): Promise<{ cursor: string; keys: KeyInfo[] }> {
  const pattern = validatePattern(opts.pattern);
  const count = clampCount(opts.count);
  const cursorText = opts.cursor === undefined || opts.cursor === '' ? '0' : String(opts.cursor);
  const digits = CURSOR.exec(cursorText)?.[2];
  if (digits === undefined || BigInt(digits) > MAX_CURSOR) {
    throw new ValidationError('cursor: the value a previous page returned ("0" to start, at most 2^64 - 1)', [
      { path: ['cursor'], message: 'invalid cursor' },
    ]);
  }
  const targets = scanTargets(client);
  const [nodePart, scanPart] = cursorText.includes('-') ? cursorText.split('-') : ['0', cursorText];
  let nodeIndex = Number(nodePart);
  let scanCursor = scanPart as string;
  if (!targets[nodeIndex])
    throw new ValidationError('cursor: unknown node', [{ path: ['cursor'], message: 'invalid cursor' }]);
  // A page is filled from as many SCAN calls as it takes (bounded), moving on to the next master
  // when one is done: on a cluster the first page shows keys of every shard, not only the first
  // one's, and a page is not empty just because a node had nothing matching.
  const keys: KeyInfo[] = [];
  let found = 0;
  for (let calls = 0; calls < MAX_SCANS_PER_PAGE && found < count; calls++) {
    const node = targets[nodeIndex] as Redis;
    const [next, batch] = await node.scan(scanCursor, 'MATCH', pattern, 'COUNT', count - found);
    found += batch.length;
    // Keys the caller may not see are dropped before anything else is read about them.
    keys.push(...(await describeKeys(node, opts.visible ? batch.filter(opts.visible) : batch)));
    scanCursor = next;
    if (scanCursor === '0') {
      if (nodeIndex + 1 >= targets.length) return { cursor: '0', keys };
      nodeIndex++;
    }
  }
  const cursor = targets.length > 1 ? `${nodeIndex}-${scanCursor}` : scanCursor;
  return { cursor, keys };
}

export function validateCachePrefix(prefix: unknown, keys: Keyspace): string {
  const allowed = [...CACHE_NAMESPACES, keys.queryCachePrefix];
  if (
    typeof prefix !== 'string' ||
    prefix.length > 256 ||
    !PRINTABLE.test(prefix) ||
    !allowed.some((ns) => prefix.startsWith(ns))
  ) {
    throw new ValidationError(
      `prefix: must start with one of ${allowed.join(', ')} (cache namespaces only)`,
      [{ path: ['prefix'], message: 'not a cache prefix' }],
    );
  }
  return prefix;
}

/** SCAN MATCH <prefix>* + UNLINK in batches; returns how many keys were removed. */
export async function unlinkByPrefix(
  client: Client,
  prefix: string,
  opts: { keep?: Set<string>; onKeys?: (keys: string[]) => void } = {},
): Promise<number> {
  const pattern = `${escapeGlob(prefix)}*`;
  let removed = 0;
  for (const node of scanTargets(client)) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', BATCH);
      cursor = next;
      const doomed = found.filter((k) => !opts.keep?.has(k));
      if (doomed.length === 0) continue;
      opts.onKeys?.(doomed);
      if (client instanceof Cluster) {
        // Keys on one node may sit in different slots: one single-key UNLINK each, pipelined.
        const pipeline = node.pipeline();
        for (const key of doomed) pipeline.unlink(key);
        removed += (await execPipeline(pipeline)).reduce<number>((sum, n) => sum + Number(n), 0);
      } else {
        removed += await node.unlink(...doomed);
      }
    } while (cursor !== '0');
  }
  return removed;
}

async function scanMembers(
  node: Client,
  command: 'hscan' | 'sscan',
  key: string,
  perItem: number,
): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, items] = (await node[command](key, cursor, 'COUNT', MEMBERS_SHOWN)) as [string, string[]];
    cursor = next;
    out.push(...items);
  } while (cursor !== '0' && out.length < MEMBERS_SHOWN * perItem);
  return out.slice(0, MEMBERS_SHOWN * perItem);
}

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function readValue(client: Client, key: string, type: string): Promise<unknown> {
  switch (type) {
    case 'string': {
      const text = await client.get(key);
      return text === null ? null : parseMaybeJson(text);
    }
    case 'hash': {
      const flat = await scanMembers(client, 'hscan', key, 2);
      const obj: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) obj[flat[i]!] = flat[i + 1]!;
      return obj;
    }
    case 'list':
      return client.lrange(key, 0, MEMBERS_SHOWN - 1);
    case 'set':
      return (await scanMembers(client, 'sscan', key, 1)).sort();
    case 'zset': {
      const flat = (await client.zrange(key, '0', String(MEMBERS_SHOWN - 1), 'WITHSCORES')) as string[];
      const members: { member: string; score: number }[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2)
        members.push({ member: flat[i]!, score: Number(flat[i + 1]) });
      return members;
    }
    case 'stream':
      return client.xrange(key, '-', '+', 'COUNT', String(MEMBERS_SHOWN));
    default:
      return null;
  }
}

/** One key's metadata and value (first 100 members of collections); null when it does not exist. */
export async function inspectKey(
  client: Client,
  key: string,
): Promise<(KeyInfo & { value: unknown }) | null> {
  validateKey(key);
  const [type, pttl, size] = await execPipeline(
    client.pipeline().type(key).pttl(key).call('MEMORY', 'USAGE', key),
  );
  if (type === 'none') return null;
  const value = await readValue(client, key, String(type));
  return {
    key,
    type: String(type),
    ttlMs: parseTtl(pttl),
    sizeBytes: size === null || size === undefined ? null : Number(size),
    value,
  };
}
