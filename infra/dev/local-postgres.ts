import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PostgresServer, postgresBin } from '@app/testing';
import { redactUrl } from './external-redis.js';
import { pickPort, portRange } from './ports.js';

/** The catalog's PostgreSQL for `pnpm dev --postgres`, and what the banner says about it. */
export interface PostgresChoice {
  /** CATALOG_STORE=postgres and DATABASE_URL, for the API and the worker. */
  env: Record<string, string>;
  description: string;
  tryCommands: string[];
  /** Set when this command started the server (stopped with the stack). */
  local?: PostgresServer;
}

export class PostgresMissingError extends Error {}

/** WAL a stalled slot may hold back before PostgreSQL invalidates it (the consumer then flushes). */
export const DEV_MAX_SLOT_WAL_KEEP_SIZE = '1GB';

function tryLines(url: string): string[] {
  return [
    `psql ${url} -c "UPDATE products SET price = price + 1 WHERE id = 'prod1'"`,
    `psql ${url} -c "SELECT id, price, version, updated_at FROM products ORDER BY id LIMIT 5"`,
  ];
}

/** A postmaster left running by a stack that was killed: stop it (fast shutdown) before reusing its data. */
async function stopStalePostmaster(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return; // not running: PostgreSQL ignores a stale pid file itself
  }
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.kill(pid, 'SIGKILL');
}

/**
 * DATABASE_URL when set (a PostgreSQL the user runs; it needs wal_level=logical); otherwise a
 * server of its own from the system binaries, data under `<repo>/.data/postgres`, on a free port
 * from 5433 (the machine's own 5432 is left alone). Run as root, it runs as the `postgres` account.
 */
export async function choosePostgres(repoRoot: string, taken: Set<number>): Promise<PostgresChoice> {
  const external = process.env.DATABASE_URL?.trim();
  if (external) {
    return {
      env: { CATALOG_STORE: 'postgres', DATABASE_URL: external },
      description: `${redactUrl(external)} (DATABASE_URL)`,
      tryCommands: tryLines('"$DATABASE_URL"'),
    };
  }
  const initdb = postgresBin('initdb');
  const found = initdb.includes('/') ? existsSync(initdb) : spawnSync(initdb, ['--version']).status === 0;
  if (!found) {
    throw new PostgresMissingError(
      'pnpm dev --postgres needs PostgreSQL server binaries (initdb, postgres): on Debian/Ubuntu ' +
        '`apt-get install postgresql-15` (or `postgresql`), or set POSTGRES_BIN_DIR; ' +
        'or point DATABASE_URL at a PostgreSQL with wal_level=logical.',
    );
  }
  const baseDir = join(repoRoot, '.data', 'postgres');
  await stopStalePostmaster(join(baseDir, 'data'));
  const port = await pickPort(portRange(5433, 20), taken);
  taken.add(port);
  const local = await PostgresServer.start({
    baseDir,
    port,
    // Dev data is kept across runs: fsync on (the tests' servers turn it off).
    settings: { fsync: 'on', max_slot_wal_keep_size: DEV_MAX_SLOT_WAL_KEEP_SIZE },
  });
  const url = local.url();
  return {
    env: { CATALOG_STORE: 'postgres', DATABASE_URL: url },
    description: `${url} (data under .data/postgres, max_slot_wal_keep_size ${DEV_MAX_SLOT_WAL_KEEP_SIZE})`,
    tryCommands: tryLines(url),
    local,
  };
}
