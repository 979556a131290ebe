import { execFile } from 'node:child_process';
import { chmodSync, readlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PostgresServer } from '@app/testing';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import {
  choosePostgres,
  POSTGRES_PACKAGE,
  PostgresMissingError,
  postgresBinaries,
  serverAccount,
} from '../dev/local-postgres.js';
import { cleanup, infraDir, pidAlive, tempDir } from './helpers.js';

const execFileAsync = promisify(execFile);
const repoRoot = join(infraDir, '..');
const root = process.getuid?.() === 0;

const servers: PostgresServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.destroy();
  await cleanup();
});

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The executable the postmaster really runs (Linux /proc): which binaries served the queries. */
function postmasterExe(server: PostgresServer): string {
  expect(server.pid).toBeGreaterThan(0);
  return readlinkSync(`/proc/${server.pid}/exe`);
}

describe('pnpm dev --postgres: where the server binaries come from', () => {
  it('takes the npm package when POSTGRES_BINARIES=package, and refuses a value it does not know', async () => {
    const binaries = await postgresBinaries({ POSTGRES_BINARIES: 'package' });
    expect(binaries).toMatchObject({ source: 'package', label: POSTGRES_PACKAGE });
    expect(realpathSync(binaries.binDir)).toContain(`node_modules/${POSTGRES_PACKAGE}/native/bin`);
    await expect(postgresBinaries({ POSTGRES_BINARIES: 'docker' })).rejects.toThrow(PostgresMissingError);
    await expect(postgresBinaries({ POSTGRES_BINARIES: 'docker' })).rejects.toThrow(/use system or package/);
  });

  it('refuses a POSTGRES_BIN_DIR without initdb instead of taking other binaries', async () => {
    const env = { POSTGRES_BIN_DIR: '/nonexistent/postgresql/bin' };
    await expect(postgresBinaries(env)).rejects.toThrow(PostgresMissingError);
    await expect(postgresBinaries(env)).rejects.toThrow(
      /POSTGRES_BIN_DIR=\/nonexistent\/postgresql\/bin holds no initdb/,
    );
    // Forcing the package still works with the variable set (it names the system's binaries).
    expect((await postgresBinaries({ ...env, POSTGRES_BINARIES: 'package' })).source).toBe('package');
  });

  it('runs as postgres when the account exists, else as nobody (PostgreSQL refuses root)', () => {
    expect(serverAccount(() => true)).toBe('postgres');
    expect(serverAccount(() => false)).toBe('nobody');
  });

  it("starts the package's PostgreSQL with wal_level=logical, answers queries, stops leaving no process", async () => {
    const binaries = await postgresBinaries({ POSTGRES_BINARIES: 'package' });
    const server = await PostgresServer.start({ binDir: binaries.binDir, runAs: serverAccount() });
    servers.push(server);
    expect(postmasterExe(server)).toBe(realpathSync(join(binaries.binDir, 'postgres')));
    expect(await query(server.url(), 'SHOW wal_level')).toEqual([{ wal_level: 'logical' }]);
    await query(server.url(), 'CREATE TABLE t (id int PRIMARY KEY, name text)');
    await query(server.url(), "INSERT INTO t VALUES (1, 'one'), (2, 'two')");
    expect(await query(server.url(), 'SELECT name FROM t WHERE id = 2')).toEqual([{ name: 'two' }]);
    const pid = server.pid!;
    await server.stop();
    expect(pidAlive(pid)).toBe(false);
  });

  it.runIf(root)('as root, runs as nobody too where no postgres account exists', async () => {
    const binaries = await postgresBinaries({ POSTGRES_BINARIES: 'package' });
    const server = await PostgresServer.start({ binDir: binaries.binDir, runAs: 'nobody' });
    servers.push(server);
    expect(await query(server.url(), 'SELECT current_setting($$wal_level$$) AS w')).toEqual([
      { w: 'logical' },
    ]);
    const { stdout } = await execFileAsync('ps', ['-o', 'user=', '-p', String(server.pid)]);
    expect(stdout.trim()).toBe('nobody');
  });

  it('the stack path: data under <root>/.data/postgres, the banner lines run against it', async () => {
    const fakeRepo = tempDir('pg-dev');
    chmodSync(fakeRepo, 0o755); // the server's account walks into it when we are root
    const saved = process.env.POSTGRES_BINARIES;
    process.env.POSTGRES_BINARIES = 'package';
    try {
      const choice = await choosePostgres(fakeRepo, new Set());
      servers.push(choice.local!);
      expect(choice.local!.dataDir).toBe(join(fakeRepo, '.data', 'postgres', 'data'));
      expect(choice.description).toContain(`from ${POSTGRES_PACKAGE}`);
      expect(postmasterExe(choice.local!)).toContain(`${POSTGRES_PACKAGE.replace('/', '+')}@`);
      const url = choice.env.DATABASE_URL!;
      await query(url, 'CREATE TABLE products (id text PRIMARY KEY, price numeric)');
      await query(url, "INSERT INTO products VALUES ('prod1', 10)");
      // The banner's UPDATE line, as printed (psql, or infra/dev/sql.ts where there is none).
      const update = choice.tryCommands[0]!;
      expect(update).toContain(url);
      await execFileAsync('sh', ['-c', update], { cwd: repoRoot, timeout: 30_000 });
      expect(await query(url, "SELECT price FROM products WHERE id = 'prod1'")).toEqual([{ price: '11' }]);
    } finally {
      if (saved === undefined) delete process.env.POSTGRES_BINARIES;
      else process.env.POSTGRES_BINARIES = saved;
    }
  });

  it('infra/dev/sql.ts (the banner line without psql) runs a statement and prints its rows', async () => {
    const binaries = await postgresBinaries({ POSTGRES_BINARIES: 'package' });
    const server = await PostgresServer.start({ binDir: binaries.binDir, runAs: serverAccount() });
    servers.push(server);
    const sql = (statement: string) =>
      execFileAsync('node', ['--import', 'tsx', 'infra/dev/sql.ts', server.url(), statement], {
        cwd: repoRoot,
        timeout: 30_000,
      });
    expect((await sql('CREATE TABLE t (id int, name text)')).stdout).toBe('CREATE\n');
    expect((await sql("INSERT INTO t VALUES (1, 'a'), (2, NULL)")).stdout).toBe('INSERT 2\n');
    expect((await sql('SELECT id, name FROM t ORDER BY id')).stdout).toBe('1\ta\n2\t\n');
    await expect(sql('SELECT * FROM missing')).rejects.toMatchObject({
      stderr: expect.stringContaining('relation "missing" does not exist'),
    });
  });
});
