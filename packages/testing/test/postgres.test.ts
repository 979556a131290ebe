import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupAll, type PostgresServer, startPostgres } from '../src/index.js';

afterAll(cleanupAll);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startPostgres', () => {
  let pg: PostgresServer;

  it('starts a server of its own with logical WAL, never as root', async () => {
    pg = await startPostgres();
    expect(pg.port).not.toBe(5432);
    expect(await pg.psql('SHOW wal_level')).toBe('logical');
    expect(await pg.psql('SHOW port')).toBe(String(pg.port));
    const owner = execFileSync('ps', ['-o', 'user=', '-p', String(pg.pid)])
      .toString()
      .trim();
    if (process.getuid?.() === 0) {
      expect(owner).toBe('postgres');
      expect(statSync(pg.dataDir).uid).not.toBe(0);
    }
  });

  it('keeps committed rows across a stop, a SIGKILL and a restart', async () => {
    await pg.psql('CREATE TABLE t (id int primary key)');
    await pg.psql('INSERT INTO t VALUES (1)');
    await pg.stop();
    expect(pg.isRunning()).toBe(false);
    await pg.start();
    await pg.psql('INSERT INTO t VALUES (2)');
    const before = pg.pid!;
    await pg.kill();
    expect(alive(before)).toBe(false);
    await pg.start();
    expect(await pg.psql('SELECT count(*) FROM t')).toBe('2');
    await pg.restart();
    expect(await pg.psql("SELECT string_agg(id::text, ',' ORDER BY id) FROM t")).toBe('1,2');
  });

  it('creates a database of the test', async () => {
    const url = await pg.createDatabase('other_db');
    expect(url).toBe(`postgres://postgres@127.0.0.1:${pg.port}/other_db`);
    expect(await pg.psql('SELECT current_database()', 'other_db')).toBe('other_db');
  });

  it('destroy stops the postmaster and removes its directory', async () => {
    const pid = pg.pid!;
    await pg.destroy();
    expect(alive(pid)).toBe(false);
    expect(existsSync(pg.baseDir)).toBe(false);
  });

  it('a test process that dies without cleanup leaves no postmaster behind', async () => {
    // A child process starts a server then exits abruptly (as a failing, crashing test would).
    const script = `
      import { startPostgres } from './src/index.ts';
      const pg = await startPostgres();
      console.log(pg.pid);
      process.exit(3);
    `;
    let out = '';
    try {
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: new URL('..', import.meta.url).pathname,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      out = String((err as { stdout: Buffer }).stdout);
    }
    const pid = Number(out.trim().split('\n').pop());
    expect(pid).toBeGreaterThan(0);
    const deadline = Date.now() + 5_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(alive(pid)).toBe(false);
  });
});
