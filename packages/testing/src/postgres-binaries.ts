import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The directory of PostgreSQL's server binaries (initdb, postgres, pg_isready, psql), or ''
 * to take them from PATH. POSTGRES_BIN_DIR wins; then Debian's /usr/lib/postgresql/15/bin,
 * then the newest other /usr/lib/postgresql/<major>/bin (Debian keeps initdb off PATH).
 */
export function postgresBinDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.POSTGRES_BIN_DIR) return env.POSTGRES_BIN_DIR;
  const root = '/usr/lib/postgresql';
  if (existsSync(join(root, '15', 'bin', 'initdb'))) return join(root, '15', 'bin');
  let majors: string[] = [];
  try {
    majors = readdirSync(root).filter((name) => existsSync(join(root, name, 'bin', 'initdb')));
  } catch {
    // no Debian layout: PATH
  }
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  return newest ? join(root, newest, 'bin') : '';
}

/** Path of one PostgreSQL binary (bare name when taken from PATH). */
export function postgresBin(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = postgresBinDir(env);
  return dir ? join(dir, name) : name;
}
