import { BENTO_ISSUE_111, PEER_CONFIGS } from './lib/peers.js';
import type { BenchReport, Row, SuiteResult } from './lib/report.js';
import { SWEEP_LEVELS, SWEEP_PEERS, sweepRowId } from './suites/read-sweep.js';

/**
 * The hand-written parts of docs/benchmarks.md. Every figure in them is read from the run's
 * report (docs/benchmarks.json) when the page is rendered; the text itself states none
 * (bench/test/prose.test.ts renders a fixture and fails on a figure that is not in the data).
 */

type Report = Pick<BenchReport, 'suites' | 'config' | 'durationSec' | 'machine' | 'versions' | 'targets'>;

const suiteOf = (r: Report, id: string): SuiteResult | undefined =>
  r.suites.find((s) => s.id === id && !s.skipped);
const rowOf = (r: Report, suite: string, id: string): Row | undefined =>
  suiteOf(r, suite)?.rows.find((x) => x.id === id);
const NA = '(not measured in this run)';
const fixed = (v: number | undefined, digits: number) =>
  v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits);
const times = (row: Row | undefined) => (row?.vsBaseline ? `${row.vsBaseline.median.toFixed(2)}x` : 'n/a');
const ops = (row: Row | undefined) => (row ? Math.round(row.median).toLocaleString('en') : 'n/a');
const target = (r: Report, id: string) => r.targets.find((t) => t.id === id);

export function intro(r: Report): string {
  const c = r.config as Record<string, number>;
  const peers = PEER_CONFIGS.map((p) => `| ${p.peer} | ${p.config} | [docs](${p.doc}) |`).join('\n');
  return `
How our cache compares with what a user would pick instead (bentocache, cache-manager with
@keyv/redis), each in the fastest configuration its own docs give, and with baselines doing the
same work as ours (raw ioredis, a bare Express handler, redis-benchmark), measured side by side in
one run of \`pnpm bench\`. Every figure in the prose below is read from this run's
[benchmarks.json](./benchmarks.json) when the page is rendered.

## How it is measured

- Every suite starts its own redis-server(s) through @app/testing, never the shared one.
- Variants run in interleaved rounds (A B C, then B C A, …) so that noise from the other
  processes on this ${r.machine.cores}-core machine hits all of them alike. Each figure is the median
  over the rounds with its min–max spread; a ratio is computed per round (both sides measured in
  the same round) and then its median is taken. The HTTP suite, whose runs last seconds each,
  measures each of our rows next to the bare handler on the same keys and reverses the order
  every other round (A B C, then C B A): each ratio compares two runs seconds apart, each going
  first half of the time, so a drift of the machine's speed over a pair of rounds cancels out.
- Next to each throughput figure is the CPU one operation costs (Node process and Redis, from
  \`process.cpuUsage()\` and \`INFO cpu\`): on a busy machine ops/s swing with the neighbours, CPU
  per operation much less, and it shows *where* a variant spends its time.
- "Another process" is a real second Node process (writers, stampede callers, HTTP servers).
- This run started with a load average of ${r.machine.loadAverageAtStart} on ${r.machine.cores} cores (other work on
  the machine): throughput swings with it (see each row's min–max spread over the rounds); the
  CPU per operation is the steadier figure.
- Sizes of this run: ${c.keys?.toLocaleString('en')} keys of ${c.valueBytes}-byte JSON with ${c.concurrency} reads
  in flight (and the sweep's levels), ${c.warmCount?.toLocaleString('en')} products warmed,
  ${c.stampedeConcurrency?.toLocaleString('en')} concurrent misses, autocannon with ${c.httpConnections} connections,
  ${c.rounds} rounds per comparison (${c.httpRounds ?? c.rounds} for HTTP, whose rounds swing the most: three
  processes share the cores). Nothing is tuned per target.

## Peers and baselines

| peer | configuration | source |
| --- | --- | --- |
${peers}

- bentocache's fast L1 mode (\`serialize: false\`: values kept as objects, like our near-cache's
  shared frozen values) does not work with a Redis L2 in the version measured: after an L1 refill
  from L2 the next read throws \`Cannot read properties of undefined (reading 'deserialize')\`
  ([bentocache#111](${BENTO_ISSUE_111}), reproduced here). Its L1+L2 row therefore serializes (every
  L1 hit parses JSON again), and the row "bentocache getOrSet, L1 only, serialize: false" shows its
  in-memory speed without Redis.
- The raw read does what ours does: GET and PTTL of the entry (the API answers the TTL) and
  \`JSON.parse\`. Its ratio baseline uses ioredis' auto-pipelining
  ([ioredis docs](https://github.com/redis/ioredis#autopipelining)), the client's fastest mode for
  many concurrent reads; the "one pipeline per read" row is the same read without it.
- The HTTP baseline is a bare Express handler doing that same read (GET + PTTL, auto-pipelined)
  with the API's Express settings (no ETag, no \`x-powered-by\`); the API runs with its shipped
  defaults except the per-client rate limit, which is off because autocannon is one client IP.
- Warming measures the write the worker ships (\`setMany\` with the catalog versions it read: the
  fenced script); the hand-written pipeline keeps as many batches in flight as \`setMany\`.
  redis-benchmark with \`-P 1\` sends one SET per round trip per client: it is bound by round
  trips, not by what the server can do.

Run it: \`pnpm bench\` (this run took ${Math.round(r.durationSec)} s) writes this page and
[benchmarks.json](./benchmarks.json). \`BENCH_QUICK=1\` is a smoke run (seconds, docs untouched;
\`pnpm --filter @app/bench test\` runs it and checks every row is reported); \`BENCH_ONLY=cache-read,http\`
runs some suites; \`BENCH_ROUNDS\`, \`BENCH_DURATION_MS\`, \`BENCH_HTTP_DURATION_S\`, \`BENCH_KEYS\`,
\`BENCH_WARM_COUNT\`, \`BENCH_CATALOG_COUNT\`, \`BENCH_STAMPEDE\`, \`BENCH_SWEEP_LEVELS\`… change sizes
(see \`bench/src/lib/config.ts\`); \`BENCH_OUT=<dir>\` writes the report elsewhere. After editing the
prose only, \`pnpm --filter @app/bench bench:render\` re-renders this page from the JSON.
\`pnpm --filter @app/bench profile:http\` profiles one HTTP server variant (see HTTP below).
`;
}

function cacheHits(r: Report): string {
  if (!suiteOf(r, 'cache-read')) return `### Cache hits (one process)\n\n${NA}\n`;
  const cpu = (id: string) => rowOf(r, 'cache-read', id)?.values;
  const o = cpu('oursL2');
  const raw = cpu('rawAuto');
  const cm = cpu('cacheManager');
  const b = cpu('bentoL2');
  return `### Cache hits (one process)

With ${r.config.concurrency} reads in flight our L2 hit ran at ${times(rowOf(r, 'cache-read', 'oursL2'))} the raw
auto-pipelined GET + PTTL, costing ${fixed(o?.nodeCpuUs, 2)} µs of Node CPU and ${fixed(o?.redisCpuUs, 2)} µs of Redis
CPU per read against ${fixed(raw?.nodeCpuUs, 2)} and ${fixed(raw?.redisCpuUs, 2)} for the raw read
(cache-manager: ${fixed(cm?.nodeCpuUs, 2)} and ${fixed(cm?.redisCpuUs, 2)}; bentocache L2: ${fixed(b?.nodeCpuUs, 2)} and ${fixed(b?.redisCpuUs, 2)}):

- While reads are in flight, the reads started in one turn of the event loop leave as
  \`EVALSHA cache/read-n.lua\` calls carrying many keys (inside: one MGET, then a PTTL per key),
  so many reads cost a few command objects, socket writes and replies instead of one of each per
  read. Auto-pipelining batches the socket writes too, but still builds and parses two commands
  per read.
- Larger turns leave as at least two calls, so Node handles the first reply while Redis runs the
  second call: the two processes work at the same time instead of in turns.
- A read asked for while nothing is in flight leaves at once (from \`process.nextTick\`), as a plain
  GET and PTTL written to the socket together: no event-loop hop, one round trip, and about a fifth
  of the Redis time of the script with one key (the script's ~5 µs a call is on the read's path).
- The stats every hit records (hit/miss, latency histogram, hot id for the worker's TTL refresh)
  are counters in memory flushed in the background.

The near-cache hit (${ops(rowOf(r, 'cache-read', 'oursL1'))} ops/s, ${fixed(cpu('oursL1')?.nodeCpuUs, 2)} µs of CPU per read) is answered
without Redis and without the read-through's promises: the LRU lookup, one clock read and the
stats. bentocache's L1 + L2 + bus hit (${ops(rowOf(r, 'cache-read', 'bentoL1'))} ops/s) parses its serialized entry on every hit;
its L1 alone with \`serialize: false\` ran at ${ops(rowOf(r, 'cache-read', 'bentoL1Only'))} ops/s.
`;
}

function sweep(r: Report): string {
  if (!suiteOf(r, 'read-sweep')) return `### Reads in flight\n\n${NA}\n`;
  const lines = SWEEP_LEVELS.map((level) => {
    const row = (v: string) => rowOf(r, 'read-sweep', sweepRowId(v as never, level));
    const o = row('oursL2');
    const best = SWEEP_PEERS.map((p) => ({ p, row: row(p) })).sort(
      (a, b) => (b.row?.median ?? 0) - (a.row?.median ?? 0),
    )[0];
    const t = target(r, `sweep-${level}`);
    return `- ${level} in flight: ours ${ops(o)} ops/s (rounds ${ops(o && { ...o, median: o.min })}–${ops(o && { ...o, median: o.max })}; p50 ${fixed(o?.values?.p50Ms, 3)} ms, p99 ${fixed(o?.values?.p99Ms, 3)} ms; ${fixed(o?.values?.nodeCpuUs, 1)} µs Node CPU per read), best peer ${best?.row?.name.replace(/^.*?: /, '') ?? 'n/a'} ${ops(best?.row)} ops/s (rounds ${ops(best?.row && { ...best.row, median: best.row.min })}–${ops(best?.row && { ...best.row, median: best.row.max })}; p50 ${fixed(best?.row?.values?.p50Ms, 3)} ms; ${fixed(best?.row?.values?.nodeCpuUs, 1)} µs); ${t ? t.measured : 'n/a'}.`;
  }).join('\n');
  const p50 = target(r, 'sweep-p50');
  return `### Reads in flight

${lines}

At a single read in flight our p50 was ${p50 ? p50.measured : 'n/a'} the raw auto-pipelined GET + PTTL. Before
a lone read was sent at once, it waited for the event loop's check phase (\`setImmediate\`) and
went out as a pipelined GET + PTTL, and at this level it lost to both peers; sent at once as the
read script with one key it still trailed the best peer in the earlier runs (the script's Redis
time is on every read's path), before it became a plain GET + PTTL in one socket write.
${readsPerHit(r)}`;
}

/**
 * What a hit asks Redis for: ours and the raw baseline read the value and its TTL (two commands;
 * the API answers the TTL), cache-manager one GET (its expiry travels inside its JSON). The
 * raw one-command row measures what that second command costs at 1 read in flight.
 */
function readsPerHit(r: Report): string {
  const at1 = (v: string) => rowOf(r, 'read-sweep', sweepRowId(v as never, 1));
  const get = at1('rawGet');
  const getPttl = at1('rawAuto');
  const ours = at1('oursL2');
  const cm = at1('cacheManager');
  if (!get || !getPttl || !ours || !cm) return '';
  return `
What each hit asks Redis for differs: ours and the raw baseline read the value and its TTL (two
commands, GET + PTTL: the API answers the TTL), while cache-manager's hit is one GET (it keeps the
expiry inside its stored JSON). At 1 read in flight the raw one-command read ran at ${ops(get)} ops/s
(${fixed(get.values?.nodeCpuUs, 1)} µs Node CPU per read), ${times(get)} the raw GET + PTTL at ${ops(getPttl)} ops/s (${fixed(getPttl.values?.nodeCpuUs, 1)} µs):
that is what leaving the TTL out is worth at this level. Ours, reading both, ran at ${ops(ours)} ops/s
(${times(ours)} the raw GET + PTTL); cache-manager at ${ops(cm)} ops/s.
`;
}

function invalidation(r: Report): string {
  const o = rowOf(r, 'invalidation', 'ours');
  const b = rowOf(r, 'invalidation', 'bento');
  if (!o) return `### Invalidation delay\n\n${NA}\n`;
  return `### Invalidation delay

Our delay is Redis' own: the write's invalidation message reaches the tracking connection in the
same event-loop turn of Redis that executes the write. Over all ${o.values?.writes} writes of this run the
p50 was ${fixed(o.values?.p50Ms, 2)} ms and the p99 ${fixed(o.values?.p99Ms, 2)} ms (bentocache's bus: ${fixed(b?.values?.p50Ms, 2)} ms and
${fixed(b?.values?.p99Ms, 2)} ms); the p99 is dominated by the reading process waiting for a CPU on this busy machine.
Our near-cache is kept correct by Redis server-assisted client-side caching (BCAST tracking of
the \`data:\` prefix, a read ticket against the reply/invalidation race, and a link heartbeat that
clears and bypasses the L1 when the link is in doubt); see [redis-core.md](./redis-core.md).
`;
}

function http(r: Report): string {
  if (!suiteOf(r, 'http')) return `### HTTP\n\n${NA}\n`;
  const row = (id: string) => rowOf(r, 'http', id);
  const cpu = (id: string) => fixed(row(id)?.values?.serverCpuUs, 0);
  return `### HTTP

The bare handler (Express 5, GET + PTTL auto-pipelined, \`res.json\`, the API's Express settings)
is the limit; our API answers the same read with its whole production stack around it: access
logs with request ids, security headers, CORS, Prometheus metrics, zod validation of the id, the
OpenAPI-declared route, the search history, the stats and the job-event listener of the shipped
defaults. In this run, random ids: L2 hit ${times(row('apiL2'))} and near-cache hit ${times(row('apiL1'))} the bare
handler (server CPU per request ${cpu('apiL2')}, ${cpu('apiL1')} and ${cpu('expressGet')} µs); one hot id: ${times(row('apiL2Hot'))} and
${times(row('apiL1Hot'))} (${cpu('apiL2Hot')}, ${cpu('apiL1Hot')} and ${cpu('expressGetHot')} µs).

\`pnpm --filter @app/bench profile:http [api|api-near|express-get|express-ok] [seconds]\` runs one
server under \`node --cpu-prof\` with autocannon and prints the top self and inclusive frames.
Besides the bare handler's work, the API spends CPU in Node's own response writing (a larger answer
and more headers: the request id and the security headers), the access log's bookkeeping, the
composed middlewares and validation, and the history and stats records; on Redis, the history's
script (one sorted-set increment per recorded id) and the stats flushes.
`;
}

function warmAndRest(r: Report): string {
  const w = (id: string) => rowOf(r, 'warm', id);
  const cat = (id: string) => rowOf(r, 'catalog', id);
  const p50 = (id: string) => /p50 ([\d.]+) ms/.exec(cat(id)?.detail ?? '')?.[1] ?? 'n/a';
  return `### Warming, stampede, catalog

- Warming: the worker's fenced \`setMany\` writes each batch of entries with one script call and
  keeps a few batches in flight. This run: ${ops(w('ours'))} keys/s, ${times(w('ours'))} redis-benchmark's
  unpipelined SETs; the raw pipeline with the same window ${ops(w('rawPipeline'))} keys/s (${times(w('rawPipeline'))}).
- Stampede: single-flight in each process plus a \`SET NX PX\` lock across processes; the other
  processes' callers wait for the value instead of calling the loader. Both peers lock in process
  only: one loader call per process (see the stampede table).
- Catalog pages: p50 of a category page ${p50('categoryUncached')} ms uncached and ${p50('categoryCached')} ms from the
  query cache; a price-range page ${p50('priceUncached')} ms and ${p50('priceCached')} ms. The p99s depend on the
  machine: queries run one at a time, and the slowest are those whose process waited for a CPU.
`;
}

export function analysis(r: Report): string {
  return [cacheHits(r), sweep(r), invalidation(r), http(r), warmAndRest(r)].join('\n');
}

/** Shown in the targets table only when the run misses the target; no figures (they are in the table). */
export const WHY_MISSED: Record<string, string> = {
  'l2-hit':
    'the hit does GET and PTTL and records stats; see the CPU per read in the cache-hit table and the analysis.',
  'l1-hit':
    'the near-cache hit costs well under a microsecond of CPU, so its rounds are exposed to every pause of the machine (see the spread in the table).',
  'lead-l2': 'see the cache-hit analysis and the CPU per read of each row.',
  'lead-l1': 'see the cache-hit analysis.',
  'sweep-1': 'see "Reads in flight" in the analysis.',
  'sweep-8': 'see "Reads in flight" in the analysis.',
  'sweep-64': 'see "Reads in flight" in the analysis.',
  'sweep-256': 'see "Reads in flight" in the analysis.',
  'sweep-p50': 'see "Reads in flight" in the analysis.',
  invalidation:
    'the p99 is the reading process waiting for a CPU on a loaded machine; see the p50 in the table.',
  'postgres-invalidation': 'see the commit → invalidation p50 beside it in the PostgreSQL store table.',
  'http-l2':
    'the API answers with its production stack (request ids, security headers, access log and metrics, validation, history, stats); see the server CPU per request in the table and the HTTP analysis.',
  'http-l2-hot': 'see the HTTP analysis.',
  'http-l1': 'the near-cache saves the Redis read but not the features around it; see the HTTP analysis.',
  warm: 'see the warming analysis.',
  stampede: 'see the stampede suite.',
  'category-uncached':
    'a p99 of sequential queries is their slowest few, the moments this process waited for a CPU on a shared machine (see the p50 in the table).',
  'price-uncached':
    'a p99 of sequential queries is their slowest few, the moments this process waited for a CPU on a shared machine (see the p50 in the table).',
  'category-cached':
    'a p99 of sequential queries is their slowest few, the moments this process waited for a CPU (or a GC pause) on a shared machine (see the p50 in the table).',
  'price-cached':
    'a p99 of sequential queries is their slowest few, the moments this process waited for a CPU (or a GC pause) on a shared machine (see the p50 in the table).',
  memory:
    "the seed's layout costs it: one string key per product (`db:product:<id>`) plus its index entries (the ids set, the global price and name sorted sets, and per category a set plus price and name sorted sets; see the memory row's detail). Meeting it would mean listpack-encoded hash buckets instead of one key per product and far fewer indexes, i.e. dropping the seed-compatible layout; not done.",
};
