import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RedisServer, registerCleanup, startRedis } from '@app/testing';
import type { Redis } from 'ioredis';
import { infraRedisDir, roleConfLines } from './infra-conf.js';

/** The demo passwords of infra/docker-compose.yml (users.acl stores their SHA-256). */
export const ACL_PASSWORDS = { app: 'app-dev-password', worker: 'worker-dev-password' } as const;
const INSPECTOR_PASSWORD = 'faults-inspector-password';

export interface AclRedis {
  server: RedisServer;
  /** A login as the swapped-in `default` user (all rights): the test's own eyes, never the app's. */
  inspector: Redis;
  /** `redis://<user>:<password>@127.0.0.1:<port>`, what REDIS_URL is for the shipped apps. */
  url(user: keyof typeof ACL_PASSWORDS): string;
}

/**
 * A real Redis started from infra/redis/database.conf with infra's users.acl as committed, except
 * the `default` user (committed `off`) which becomes an all-rights inspector login for the test.
 * The API then runs as `app` exactly as in the Docker stack.
 */
export async function startAclRedis(opts: { appendonly?: boolean } = {}): Promise<AclRedis> {
  const committed = readFileSync(join(infraRedisDir, 'users.acl'), 'utf8');
  const aclCopy = join(
    process.env.TMPDIR ?? '/tmp',
    `faults-users-${process.pid}-${Math.random().toString(36).slice(2)}.acl`,
  );
  registerCleanup(async () => rmSync(aclCopy, { force: true }));
  writeFileSync(
    aclCopy,
    committed.replace(/^user default .*$/m, `user default on >${INSPECTOR_PASSWORD} ~* &* +@all`),
  );
  const server = await startRedis({
    configLines: roleConfLines('database'),
    appendonly: opts.appendonly ?? false,
    password: INSPECTOR_PASSWORD,
    args: ['--aclfile', aclCopy],
  });
  return {
    server,
    inspector: server.client(),
    url: (user) => `redis://${user}:${ACL_PASSWORDS[user]}@127.0.0.1:${server.port}`,
  };
}
