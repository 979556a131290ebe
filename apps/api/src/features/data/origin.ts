import { setTimeout as sleep } from 'node:timers/promises';
import type { Catalog, Product } from '@app/redis-core';

/**
 * The origin behind the cache: the product catalog (Redis as the database), read after the
 * simulated origin delay (ORIGIN_DELAY_MS) so a cache hit and a miss differ visibly in demos.
 * The delay is reported as `origin_delay_ms` so nobody mistakes it for real database cost.
 */
export interface Origin {
  readonly delayMs: number;
  load(id: string): Promise<Product | null>;
}

export function createOrigin(deps: { catalog: Catalog; delayMs: number }): Origin {
  return {
    delayMs: deps.delayMs,
    load: (id) => afterOriginDelay(deps.delayMs, () => deps.catalog.get(id)),
  };
}

/**
 * Every load from the system of record pays the simulated delay, item reads and cached queries
 * alike, so "database" means the same thing in every answer and in the latency chart.
 */
export async function afterOriginDelay<T>(delayMs: number, load: () => Promise<T>): Promise<T> {
  if (delayMs > 0) await sleep(delayMs);
  return load();
}
