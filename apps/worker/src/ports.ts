/**
 * What the jobs need from @app/redis-core, narrowed to the calls they make, so a job can be
 * built (and tested) from exactly these pieces.
 */
import type { Cache, Catalog, History, Keyspace, Product, RedisClient, Stats } from '@app/redis-core';

export type WarmCatalog = Pick<Catalog, 'list' | 'getManyVersioned' | 'byCategory'>;
export type WarmCache = Pick<Cache, 'setMany'>;
export type HotStats = Pick<Stats, 'hotIds'>;
export type TopHistory = Pick<History, 'top'>;
export type { Keyspace, Product, RedisClient };

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug?(obj: object, msg?: string): void;
}
