import { setImmediate as yieldLoop } from 'node:timers/promises';
import { startRedis } from '@app/testing';
import { startChild, wallMs } from '../lib/child.js';
import type { BenchConfig } from '../lib/config.js';
import { ourStack } from '../lib/ours.js';
import { bentocacheL1L2 } from '../lib/peers.js';
import type { Row, SuiteResult } from '../lib/report.js';
import { percentile, summarize } from '../lib/stats.js';

/** A write not visible after this long counts as never seen (it is reported as such). */
const NEVER_MS = 5000;

interface Versioned {
  id: string;
  v: number;
}

/**
 * Write-to-visibility delay of a local cache: a value sits in this process's L1, another
 * process writes a new version, and this process keeps reading until it gets the new one.
 * The delay runs from just before the other process sends its write to the first read here
 * that returns the new version (wall clocks of one machine, sub-ms precision).
 */
export async function invalidationSuite(cfg: BenchConfig): Promise<SuiteResult> {
  const server = await startRedis();
  const writer = startChild('writer.ts');
  await writer.request({ type: 'init', url: server.url });
  const ours = ourStack(server.url, { nearCacheBytes: 16 * 1024 * 1024 });
  const near = ours.cache.near!;
  await near.ready(10_000);
  const bento = bentocacheL1L2(server.url, 1_000_000);
  const keyCount = 100;
  const version = { ours: new Map<number, number>(), bento: new Map<number, number>() };
  const retired = new Map<number, number>();
  const noLoader = () => Promise.reject(new Error('the value is always in Redis here'));

  async function oursOnce(i: number): Promise<number> {
    const n = i % keyCount;
    const id = `inv${n}`;
    const key = ours.keys.cacheEntry(id);
    const v = version.ours.get(n) ?? 0;
    if (v === 0) {
      await writer.request({ type: 'write', key, value: { id, v: 1 } });
      version.ours.set(n, 1);
      return oursOnce(i);
    }
    // Until the current version is served from the L1 (a just-written key is first invalidated).
    for (let tries = 0; ; tries++) {
      const r = await ours.cache.getOrLoad<Versioned>(id, noLoader);
      if (r.value?.v === v && near.get(key)) break;
      if (tries > 1000) throw new Error(`near-cache never held ${key}`);
      await yieldLoop();
    }
    const { sentAt } = await writer.request<{ sentAt: number }>({
      type: 'write',
      key,
      value: { id, v: v + 1 },
    });
    version.ours.set(n, v + 1);
    for (;;) {
      const r = await ours.cache.getOrLoad<Versioned>(id, noLoader);
      if (r.value?.v === v + 1) return wallMs() - sentAt;
      await yieldLoop();
    }
  }

  async function bentoOnce(i: number): Promise<number> {
    const n = i % keyCount;
    // A key whose stale copy stuck is retired: the next writes use a fresh one.
    const key = `binv${n}-${retired.get(n) ?? 0}`;
    const v = version.bento.get(n) ?? 0;
    if (v === 0) {
      await writer.request({ type: 'write', via: 'bentocache', key, value: { id: key, v: 1 } });
      version.bento.set(n, 1);
      return bentoOnce(i);
    }
    for (let tries = 0; ; tries++) {
      const value = await bento.getOrSet<Versioned>(key, noLoader, 3600_000);
      if (value.v === v) break;
      if (tries > 1000) throw new Error(`bentocache never served ${key} v${v}`);
      await yieldLoop();
    }
    const { sentAt } = await writer.request<{ sentAt: number }>({
      type: 'write',
      via: 'bentocache',
      key,
      value: { id: key, v: v + 1 },
    });
    version.bento.set(n, v + 1);
    for (let spins = 0; ; spins++) {
      const value = await bento.getOrSet<Versioned>(key, noLoader, 3600_000);
      if (value.v === v + 1) return wallMs() - sentAt;
      // A peer that never converges is reported (as the cap), not waited on forever.
      if (wallMs() - sentAt > NEVER_MS) {
        retired.set(n, (retired.get(n) ?? 0) + 1);
        version.bento.delete(n);
        return NEVER_MS;
      }
      if (spins % 64 === 63) await new Promise((r) => setTimeout(r, 0));
      else await yieldLoop();
    }
  }

  const perRound = Math.max(10, Math.ceil(cfg.invalidations / cfg.rounds));
  const delays = { ours: [] as number[][], bento: [] as number[][] };
  for (let round = 0; round < cfg.rounds; round++) {
    const o: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < perRound; i++) {
      // Interleaved: one write each, alternating which goes first.
      const index = round * perRound + i;
      if (i % 2 === 0) {
        o.push(await oursOnce(index));
        b.push(await bentoOnce(index));
      } else {
        b.push(await bentoOnce(index));
        o.push(await oursOnce(index));
      }
    }
    delays.ours.push(o);
    delays.bento.push(b);
  }
  const nearStats = near.stats();

  await writer.request({ type: 'close' }).catch(() => {});
  await writer.stop();
  await Promise.all([ours.close(), bento.close()]);
  await server.destroy();

  const row = (id: string, name: string, rounds: number[][]): Row => {
    const all = rounds.flat();
    const never = all.filter((d) => d >= NEVER_MS).length;
    return {
      id,
      name,
      ...summarize(rounds.map((r) => percentile(r, 99))),
      detail:
        `all ${all.length} writes: p50 ${percentile(all, 50).toFixed(2)} ms, p99 ${percentile(all, 99).toFixed(2)} ms, max ${Math.max(...all).toFixed(2)} ms` +
        (never > 0
          ? `; ${never} write(s) still not visible after ${NEVER_MS / 1000} s (stale copy kept)`
          : ''),
      values: {
        writes: all.length,
        p50Ms: percentile(all, 50),
        p99Ms: percentile(all, 99),
        neverSeen: never,
      },
    };
  };
  return {
    id: 'invalidation',
    title: 'Near-cache: a write from another process becomes visible (p99 per round)',
    description: `${perRound * cfg.rounds} writes per variant from a second Node process, ${cfg.rounds} rounds; from the other process sending its write to the first read here returning the new value.`,
    unit: 'ms',
    higherIsBetter: false,
    rows: [
      row('ours', 'ours near-cache (CLIENT TRACKING), writer: plain SET from any client', delays.ours),
      row('bento', 'bentocache L1+L2+bus, writer: bentocache.set (bus message)', delays.bento),
    ],
    notes: [
      `our near-cache during the run: ${nearStats.invalidations} invalidation messages, ${nearStats.resets} resets, ${nearStats.rejectedFills} fills refused (raced with a write)`,
    ],
  };
}
