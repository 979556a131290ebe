import type { Catalog } from '@app/redis-core';
import type { Logger } from 'pino';

/**
 * SEED_CATALOG: loads the seed's products into an empty catalog. Redis may not be up yet when
 * the API starts (compose, restarts), so a failure is retried in the background instead of
 * blocking or failing the start. Returns a function that stops retrying.
 */
export function seedInBackground(catalog: Catalog, logger: Logger, retryMs = 5000): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const attempt = async () => {
    try {
      const written = await catalog.seedIfEmpty();
      logger.info(
        { written },
        written > 0 ? 'seeded the empty catalog' : 'catalog already has products, not seeded',
      );
    } catch (err) {
      if (stopped) return;
      logger.warn({ err: (err as Error).message, retryMs }, 'seeding the catalog failed, will retry');
      timer = setTimeout(() => void attempt(), retryMs);
      timer.unref();
    }
  };
  void attempt();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
