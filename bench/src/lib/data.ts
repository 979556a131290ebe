import { generateProducts, type Product } from '@app/redis-core';
import { Redis } from 'ioredis';

/**
 * The read benchmarks' values: realistic products (the catalog's own generator) padded with
 * a description so the JSON is `bytes` long, as the issue's "~300-byte JSON" asks.
 */
export type BenchValue = Product & { description: string };

const WORDS = 'solid compact durable quiet fast light smart classic premium everyday'.split(' ');

export function benchValues(count: number, bytes: number): BenchValue[] {
  return generateProducts(count, { seed: 7 }).map((p, i) => {
    const base = JSON.stringify({ ...p, description: '' }).length;
    let description = '';
    for (let w = i; description.length < bytes - base; w++) description += `${WORDS[w % WORDS.length]} `;
    return { ...p, description: description.slice(0, Math.max(0, bytes - base)) };
  });
}

export function benchIds(values: BenchValue[]): string[] {
  return values.map((v) => v.id);
}

/** Writes each value as a warm cache entry `data:<id>` (its plain JSON, as our cache stores it). */
export async function seedCacheEntries(url: string, values: BenchValue[], ttlMs = 3600_000): Promise<void> {
  const client = new Redis(url);
  try {
    const p = client.pipeline();
    for (const v of values) p.set(`data:${v.id}`, JSON.stringify(v), 'PX', ttlMs);
    await p.exec();
  } finally {
    client.disconnect();
  }
}
