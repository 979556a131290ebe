import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';

/** Folder of the SQL migrations (copied next to the bundle by the production build). */
const migrationsDir = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface MigrationLogger {
  info(obj: object, msg?: string): void;
}

/**
 * Applies the pending migrations. node-pg-migrate takes its advisory lock in `wait` mode, so an
 * API and a worker starting together run them once: the second waits, then finds nothing to do.
 * Returns the names of the migrations this call applied.
 */
export async function runMigrations(databaseUrl: string, logger?: MigrationLogger): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: migrationsDir,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    advisoryLockMode: 'wait',
    singleTransaction: true,
    checkOrder: true,
    log: () => {},
  });
  const names = applied.map((m) => m.name);
  if (names.length > 0) logger?.info({ migrations: names }, 'postgres migrations applied');
  return names;
}
