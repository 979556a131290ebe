import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { anyFreePort } from '../dev/ports.js';
import { RedisProcess } from '../dev/redis-process.js';

export const infraDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const redisConfDir = join(infraDir, 'redis');

/** Not one of the committed users: lets a test read CONFIG and run ACL DRYRUN. */
export const inspector = { username: 'test-inspector', password: 'test-inspector-password' };

/** The demo passwords infra/docker-compose.yml uses, one per users.acl user. */
export const demoPasswords = {
  app: 'app-dev-password',
  worker: 'worker-dev-password',
  replication: 'replication-dev-password',
  sentinel: 'sentinel-dev-password',
  healthcheck: 'healthcheck-dev-password',
  'cluster-admin': 'cluster-admin-dev-password',
} as const;

const started: RedisProcess[] = [];
const dirs: string[] = [];
const clients: Redis[] = [];

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `infra-${prefix}-`));
  dirs.push(dir);
  return dir;
}

/**
 * A real redis-server started from one of infra/redis/*.conf, on a free port in a temp dir.
 * The committed users.acl is loaded as it is, plus one inspector user appended to a copy.
 */
export async function startFromConf(
  confName: string,
  opts: { args?: string[]; sentinel?: boolean; confText?: (text: string) => string } = {},
): Promise<RedisProcess> {
  const dir = tempDir(confName.replace(/\W/g, '-'));
  const conf = join(dir, confName);
  const text = readFileSync(join(redisConfDir, confName), 'utf8');
  writeFileSync(conf, opts.confText ? opts.confText(text) : text);
  const args = [...(opts.args ?? [])];
  if (!opts.sentinel) {
    const acl = join(dir, 'users.acl');
    copyFileSync(join(redisConfDir, 'users.acl'), acl);
    writeFileSync(
      acl,
      `${readFileSync(acl, 'utf8').trimEnd()}\nuser ${inspector.username} on >${inspector.password} ~* &* +@all\n`,
    );
    args.push('--aclfile', acl);
  } else {
    args.push('--sentinel');
  }
  const server = await RedisProcess.start({
    name: confName,
    port: await anyFreePort(),
    dataDir: join(dir, 'data'),
    configFile: conf,
    args,
  });
  started.push(server);
  return server;
}

export function connect(port: number, auth?: { username: string; password: string }): Redis {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    ...(auth ?? {}),
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    lazyConnect: true,
    // The ready check sends INFO, which a client that has not logged in may not run.
    enableReadyCheck: auth !== undefined,
  });
  client.on('error', () => {});
  clients.push(client);
  return client;
}

/** The error text of a command that must fail (an empty string when it did not fail). */
export async function errorOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

export async function cleanup(): Promise<void> {
  for (const c of clients.splice(0)) c.disconnect();
  await Promise.all(started.splice(0).map((s) => s.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** True while a process with this pid exists. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * One inline command on a fresh socket, its first reply line back (`+PONG`, `-NOAUTH …`). For
 * what a client that never logs in sees; ioredis would give up on such a server at connect.
 */
export function rawCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host: '127.0.0.1', port });
    let answer = '';
    socket.setTimeout(2_000, () => socket.destroy(new Error('timeout')));
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      const end = answer.indexOf('\r\n');
      if (end >= 0) {
        socket.destroy();
        resolve(answer.slice(0, end));
      }
    });
  });
}
