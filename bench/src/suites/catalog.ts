import { createCatalog, createConnections, generateProducts, type Product } from '@app/redis-core';
import { startRedis } from '@app/testing';
import type { BenchConfig } from '../lib/config.js';
import { ourStack } from '../lib/ours.js';
import type { Row, SuiteResult } from '../lib/report.js';
import { keyOrder } from '../lib/rounds.js';
import { percentile, summarize } from '../lib/stats.js';

async function usedMemory(client: { info(section: string): Promise<string> }): Promise<number> {
  const info = await client.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1]);
}

/**
 * The catalog at scale: N products with every index, then page queries one at a time (latency,
 * not throughput): a category page (20 items by price, one of the first 10 pages) and a
 * price-range page (20 items), straight from the indexes (uncached) and through the query
 * cache (cached, warm). Also the Redis memory each product costs, indexes included.
 */
export async function catalogSuite(cfg: BenchConfig): Promise<SuiteResult> {
  const server = await startRedis();
  const admin = server.client();
  const stack = ourStack(server.url, { ttlSeconds: 3600 });
  const connections = createConnections({ kind: 'standalone', url: server.url });
  const catalog = createCatalog({ connections, keys: stack.keys });
  const products: Product[] = generateProducts(cfg.catalogCount, { seed: 3 });
  const jsonBytes = products.reduce((n, p) => n + Buffer.byteLength(JSON.stringify(p)), 0) / products.length;

  const before = await usedMemory(admin);
  const seedStarted = performance.now();
  const written = await catalog.seedIfEmpty(products);
  const seedMs = performance.now() - seedStarted;
  const after = await usedMemory(admin);
  const perProduct = (after - before) / written;
  let keyBytes = 0;
  const sample = products.filter((_, i) => i % Math.max(1, Math.floor(products.length / 200)) === 0);
  for (const p of sample)
    keyBytes += Number(await admin.call('MEMORY', 'USAGE', stack.keys.product(p.id), 'SAMPLES', '0'));
  const perProductKey = keyBytes / sample.length;

  const categories = [...new Set(products.map((p) => p.category))].sort();
  const prices = products.map((p) => p.price).sort((a, b) => a - b);
  const order = keyOrder(1 << 30, 4096, 5);
  const categoryParams = (i: number) => ({
    category: categories[order[i % order.length]! % categories.length]!,
    offset: 20 * (order[(i + 1) % order.length]! % 10),
  });
  const priceParams = (i: number) => {
    const min = prices[order[i % order.length]! % prices.length]!;
    return { min, max: Math.round(min * 1.2 + 20) };
  };
  const categoryPage = (p: { category: string; offset: number }) =>
    catalog.byCategory(p.category, { sort: 'price', offset: p.offset, limit: 20 });
  const pricePage = (p: { min: number; max: number }) =>
    catalog.byPrice({ min: p.min, max: p.max, limit: 20 });
  // The cached variants cycle over a fixed set of pages, warmed once (so every read is a hit).
  const cachedSet = 200;
  const cachedCategory = (i: number) => {
    const p = categoryParams(i % cachedSet);
    return stack.cache.getOrLoadQuery('category', p, () => categoryPage(p));
  };
  const cachedPrice = (i: number) => {
    const p = priceParams(i % cachedSet);
    return stack.cache.getOrLoadQuery('price', p, () => pricePage(p));
  };
  let queryMisses = 0;
  for (let i = 0; i < cachedSet; i++) {
    await cachedCategory(i);
    await cachedPrice(i);
  }

  const variants: Record<string, { name: string; run: (i: number) => Promise<unknown> }> = {
    categoryUncached: {
      name: 'category page, 20 by price: uncached (indexes)',
      run: (i) => categoryPage(categoryParams(i)),
    },
    categoryCached: {
      name: 'category page, 20 by price: cached (query cache hit)',
      run: async (i) => {
        if ((await cachedCategory(i)).source !== 'cache') queryMisses++;
      },
    },
    priceUncached: {
      name: 'price-range page, 20: uncached (indexes)',
      run: (i) => pricePage(priceParams(i)),
    },
    priceCached: {
      name: 'price-range page, 20: cached (query cache hit)',
      run: async (i) => {
        if ((await cachedPrice(i)).source !== 'cache') queryMisses++;
      },
    },
  };
  const names = Object.keys(variants);
  const p99s = new Map<string, number[]>(names.map((n) => [n, []]));
  const p50s = new Map<string, number[]>(names.map((n) => [n, []]));
  let counter = 0;
  for (const n of names) for (let i = 0; i < 50; i++) await variants[n]!.run(counter++); // JIT warm-up
  for (let round = 0; round < cfg.rounds; round++) {
    for (let v = 0; v < names.length; v++) {
      const name = names[(v + round) % names.length]!;
      const latencies: number[] = [];
      for (let q = 0; q < cfg.catalogQueries; q++) {
        const started = performance.now();
        await variants[name]!.run(counter++);
        latencies.push(performance.now() - started);
      }
      p99s.get(name)!.push(percentile(latencies, 99));
      p50s.get(name)!.push(percentile(latencies, 50));
    }
  }
  await stack.close();
  await connections.close();
  await server.destroy();

  const rows: Row[] = names.map((id) => ({
    id,
    name: variants[id]!.name,
    ...summarize(p99s.get(id)!),
    detail: `p50 ${summarize(p50s.get(id)!).median.toFixed(3)} ms`,
  }));
  rows.push({
    id: 'memoryPerProduct',
    name: 'Redis memory per product, all indexes included',
    unit: 'bytes',
    ...summarize([perProduct]),
    vsBaseline: summarize([perProduct / jsonBytes]),
    detail: `mean JSON ${jsonBytes.toFixed(0)} B; the product key alone ${perProductKey.toFixed(0)} B (MEMORY USAGE); indexes ${(perProduct - perProductKey).toFixed(0)} B`,
  });
  return {
    id: 'catalog',
    title: `Catalog of ${written.toLocaleString('en')} products: page latency (p99 per round) and memory`,
    description: `${cfg.catalogQueries} queries per variant per round, one at a time, ${cfg.rounds} rounds; loaded in ${(seedMs / 1000).toFixed(1)} s through catalog.seedIfEmpty (atomic Lua writes, pipelined).`,
    unit: 'ms',
    higherIsBetter: false,
    rows,
    notes: [
      'memory row: the ratio column is bytes per product / its JSON length (used_memory delta over the load)',
      `cached variants that were not hits: ${queryMisses}`,
    ],
  };
}
