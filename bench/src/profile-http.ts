import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startRedis } from '@app/testing';
import autocannon from 'autocannon';
import { startBundledChild } from './lib/bundled-child.js';
import { benchValues, seedCacheEntries } from './lib/data.js';
import { keyOrder } from './lib/rounds.js';
import { API_BENCH_ENV } from './suites/http.js';

/**
 * Profiling harness for the HTTP suite's servers (not part of `pnpm bench`): one server process
 * under `node --cpu-prof`, driven by autocannon -c 50 with the suite's keys and order, then the
 * top self-time frames of its profile. `pnpm --filter @app/bench profile:http [variant] [seconds]`
 * with variant `api` (default), `api-near`, `express-get` or `express-ok`; extra API settings
 * from PROFILE_ENV='K=V K2=V2'. The .cpuprofile stays in /tmp/http-profile for DevTools.
 */
const variant = process.argv[2] ?? 'api';
const seconds = Number(process.argv[3] ?? 8);
const dir = process.env.PROFILE_DIR ?? '/tmp/http-profile';
mkdirSync(dir, { recursive: true });
const extra = Object.fromEntries(
  (process.env.PROFILE_ENV ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((kv) => kv.split('=') as [string, string]),
);

const existing = process.env.PROFILE_FILE;
const before = new Set(readdirSync(dir));
if (!existing) await measure();

async function measure() {
  const server = await startRedis();
  const values = benchValues(10_000, 300);
  const ids = values.map((v) => v.id);
  await seedCacheEntries(server.url, values);

  const child = await startBundledChild('http-server.ts', {}, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const { port } = await child.request<{ port: number }>({
    type: 'start',
    url: server.url,
    variant: variant.startsWith('api') ? 'api' : variant,
    env: { ...API_BENCH_ENV, NEAR_CACHE: variant === 'api-near' ? 'true' : 'false', ...extra },
  });
  const order = keyOrder(ids.length, 1 << 16, 9);
  let i = 0;
  const run = (duration: number) =>
    autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: 50,
      duration,
      requests: [
        {
          method: 'GET',
          setupRequest: (req) => ({
            ...req,
            path: `/api/data/${process.env.PROFILE_HOT ? ids[0] : ids[order[i++ & 0xffff]!]}`,
          }),
        },
      ],
    });
  await run(1);
  const u0 = await child.request<{ cpuUs: number; requests: number }>({ type: 'usage' });
  const r = await run(seconds);
  const u1 = await child.request<{ cpuUs: number; requests: number }>({ type: 'usage' });
  console.log(
    `${variant}: ${Math.round(r.requests.average)} req/s, ${((u1.cpuUs - u0.cpuUs) / (u1.requests - u0.requests)).toFixed(0)} µs CPU/req, non-2xx ${r.non2xx}, p99 ${r.latency.p99} ms`,
  );
  await child.request({ type: 'stop' });
  // A clean exit (not a signal) so that --cpu-prof writes the profile.
  child.process.disconnect();
  await new Promise((resolve) => child.process.once('exit', resolve));
  await server.destroy();
}

// The largest new profile is the main thread's (tsx's loader thread writes a small one too).
const file =
  existing ??
  readdirSync(dir)
    .filter((f) => !before.has(f) && f.endsWith('.cpuprofile'))
    .sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size)[0];
if (!file) throw new Error('no profile written');
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
const prof = JSON.parse(readFileSync(existing ?? join(dir, file), 'utf8')) as {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
};
const self = new Map<string, number>();
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
prof.samples.forEach((id, k) => {
  const n = byId.get(id)!;
  const f = n.callFrame;
  const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/.*node_modules\/\.pnpm\/([^/]+)\/node_modules\//, '$1: ').replace(/.*\/work\/main\//, '')}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + (prof.timeDeltas[k] ?? 0));
});
// Inclusive time: each sample counts once for every distinct frame on its stack.
const parent = new Map<number, number>();
for (const n of prof.nodes as (Node & { children?: number[] })[])
  for (const c of n.children ?? []) parent.set(c, n.id);
const inclusive = new Map<string, number>();
prof.samples.forEach((id, k) => {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const f = byId.get(cur)!.callFrame;
    if (!/apps\/api|pino|helmet|cors|prom-client|zod|rate-limiter|body-parser|redis-core|history/.test(f.url))
      continue;
    seen.add(
      `${f.functionName || '(anonymous)'} ${f.url.replace(/.*node_modules\/\.pnpm\/([^/]+)\/node_modules\//, '$1: ').replace(/.*\/work\/main\//, '')}:${f.lineNumber + 1}`,
    );
  }
  for (const key of seen) inclusive.set(key, (inclusive.get(key) ?? 0) + (prof.timeDeltas[k] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);
console.log(`profile ${join(dir, file)}; top self time:`);
for (const [k, us] of [...self.entries()]
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(process.env.PROFILE_TOP ?? 40)))
  console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
console.log('inclusive time of app/middleware frames:');
for (const [k, us] of [...inclusive.entries()]
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(process.env.PROFILE_TOP ?? 40)))
  console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
process.exit(0);
