/**
 * A reader process for the stampede scenario: the shipped cache (createCache from
 * @app/redis-core) in its own process. On each `round <n> <count>` line from stdin it fires
 * <count> concurrent getOrLoad calls of the hot key; the loader counts itself in Redis
 * (INCR faults:loads:<n>), takes 200 ms, and returns who loaded. It prints one line per round:
 * `DONE <n> {"database":x,"cache":y,"errors":z,"loadedBy":[…]}`.
 *
 *   node --import tsx src/stampede-reader.ts <redis url> <hot id> <cache ttl seconds>
 */
import { createInterface } from 'node:readline';
import { createCache, createConnections, createKeyspace } from '@app/redis-core';

const [url, hotId, ttl] = process.argv.slice(2) as [string, string, string];
const connections = createConnections({ kind: 'standalone', url });
const cache = createCache({
  connections,
  keys: createKeyspace(),
  ttlSeconds: Number(ttl),
  jitter: 0,
  negativeTtlSeconds: 10,
  graceSeconds: 0,
});
const counter = connections.writer;

async function round(n: string, count: number): Promise<void> {
  const loader = async () => {
    await counter.incr(`faults:loads:${n}`);
    await new Promise((r) => setTimeout(r, 200));
    return { round: n, loadedBy: process.pid };
  };
  const outcome = { database: 0, cache: 0, errors: 0, loadedBy: [] as number[] };
  await Promise.all(
    Array.from({ length: count }, async () => {
      try {
        const result = await cache.getOrLoad(hotId, loader);
        outcome[result.source] += 1;
        const by = (result.value as { loadedBy: number } | null)?.loadedBy;
        if (by !== undefined && !outcome.loadedBy.includes(by)) outcome.loadedBy.push(by);
      } catch {
        outcome.errors += 1;
      }
    }),
  );
  process.stdout.write(`DONE ${n} ${JSON.stringify(outcome)}\n`);
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [word, n, count] = line.trim().split(/\s+/);
  if (word === 'round' && n && count) void round(n, Number(count));
});
lines.on('close', () => {
  cache.close();
  void connections.close().then(() => process.exit(0));
});
await counter.ping();
process.stdout.write('READY\n');
