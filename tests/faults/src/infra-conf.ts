import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const infraRedisDir = join(repoRoot, 'infra', 'redis');

/** Settings of the container that a local test process must not take (paths, listen address). */
const PER_HOST = /^(aclfile|bind|port|dir|protected-mode)\b/;

/**
 * The lines of a committed infra/redis/*.conf, minus the container-specific ones @app/testing
 * sets itself (port, bind, dir) and the ACL file path (a scenario that needs the users passes
 * --aclfile). What is left is the role: persistence, memory policy, replication settings.
 */
export function roleConfLines(name: 'database' | 'cache' | 'queue'): string[] {
  return readFileSync(join(infraRedisDir, `${name}.conf`), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !PER_HOST.test(l));
}

/** One numeric setting of a committed conf (e.g. sentinel down-after-milliseconds). */
export function confNumber(file: string, pattern: RegExp): number {
  const text = readFileSync(join(infraRedisDir, file), 'utf8');
  const m = pattern.exec(text);
  if (!m?.[1]) throw new Error(`${file}: ${pattern} not found`);
  return Number(m[1]);
}
