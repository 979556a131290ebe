import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForLinkUp } from '../dev/local-topologies.js';
import type { RedisProcess } from '../dev/redis-process.js';
import {
  cleanup,
  connect,
  demoPasswords,
  errorOf,
  inspector,
  rawCommand,
  redisConfDir,
  startFromConf,
} from './helpers.js';

// Every infra/redis/*.conf is loaded by a real redis-server here (port, bind, dir and the ACL
// file path overridden), and the values and users the docs promise are read back from it.

afterAll(cleanup);

async function config(client: Redis, name: string): Promise<string> {
  const reply = (await client.call('CONFIG', 'GET', name)) as string[];
  return reply[1] ?? '';
}

describe('database.conf (master and replicas) with users.acl', () => {
  let master: RedisProcess;
  let admin: Redis;
  let app: Redis;
  let worker: Redis;

  beforeAll(async () => {
    master = await startFromConf('database.conf');
    admin = connect(master.port, inspector);
    app = connect(master.port, { username: 'app', password: demoPasswords.app });
    worker = connect(master.port, { username: 'worker', password: demoPasswords.worker });
    await Promise.all([admin.connect(), app.connect(), worker.connect()]);
  });

  it('is durable and never evicts: AOF everysec, RDB snapshots, maxmemory with noeviction', async () => {
    expect(await config(admin, 'appendonly')).toBe('yes');
    expect(await config(admin, 'appendfsync')).toBe('everysec');
    expect(await config(admin, 'save')).toBe('3600 1 300 100 60 10000');
    expect(Number(await config(admin, 'maxmemory'))).toBe(512 * 1024 * 1024);
    expect(await config(admin, 'maxmemory-policy')).toBe('noeviction');
    expect(await config(admin, 'protected-mode')).toBe('yes');
    expect(await config(admin, 'masteruser')).toBe('replication');
    expect(await config(admin, 'replica-read-only')).toBe('yes');
  });

  it('turns the default user off: no command runs without logging in', async () => {
    expect(await rawCommand(master.port, 'PING')).toMatch(/^-NOAUTH/);
    expect(await rawCommand(master.port, 'GET db:product:p1')).toMatch(/^-NOAUTH/);
    expect(await rawCommand(master.port, 'AUTH anything')).toMatch(/^-WRONGPASS/);
    const [, flags] = (await admin.call('ACL', 'GETUSER', 'default')) as [string, string[], ...unknown[]];
    expect(flags).toContain('off');
  });

  it('app user: reads and writes its own prefixes, and nothing else', async () => {
    for (const key of [
      'db:product:p1',
      'data:p1',
      'cache:query:v',
      'stats:counters',
      'history:recent',
      'lock:data:p1',
      'ratelimit:ip:1',
      'repl:probe:t',
      'bull:cache-jobs:id',
    ]) {
      expect(await app.set(key, 'v'), key).toBe('OK');
    }
    expect(await errorOf(() => app.set('other:key', 'v'))).toMatch(/NOPERM/);
    // Worker state is the worker's: the API only reads it.
    expect(await app.get('worker:heartbeat')).toBeNull();
    expect(await errorOf(() => app.set('worker:heartbeat', 'v'))).toMatch(/NOPERM/);
    // What the apps need besides keys: Lua scripts, INFO (ioredis' ready check, /api/stats), WAIT.
    expect(await app.eval("return redis.call('GET', KEYS[1])", 1, 'data:p1')).toBe('v');
    expect(await app.info('replication')).toMatch(/role:master/);
    expect(await app.call('WAIT', '0', '10')).toBe(0);
    expect((await app.scan('0', 'MATCH', 'data:*', 'COUNT', '100'))[1]).toContain('data:p1');
  });

  it('app and worker users publish cache invalidations on cache:* channels only', async () => {
    expect(await app.publish('cache:invalidations', '{}')).toBe(0);
    expect(await worker.publish('cache:invalidations', '{}')).toBe(0);
    expect(await errorOf(() => app.publish('other', '{}'))).toMatch(/NOPERM/);
    expect(await admin.call('ACL', 'DRYRUN', 'app', 'SUBSCRIBE', '__redis__:invalidate')).toBe('OK');
    expect(await admin.call('ACL', 'DRYRUN', 'worker', 'SUBSCRIBE', 'bull:anything')).toMatch(
      /no permissions/,
    );
  });

  it('app user: no FLUSHALL, FLUSHDB, CONFIG, KEYS, DEBUG, SHUTDOWN, ACL or SCRIPT FLUSH', async () => {
    expect(await errorOf(() => app.flushall())).toMatch(/NOPERM.*flushall/);
    expect(await errorOf(() => app.flushdb())).toMatch(/NOPERM.*flushdb/);
    expect(await errorOf(() => app.call('CONFIG', 'GET', 'maxmemory'))).toMatch(/NOPERM.*config/);
    expect(await errorOf(() => app.call('CONFIG', 'SET', 'maxmemory', '1'))).toMatch(/NOPERM.*config/);
    expect(await errorOf(() => app.keys('*'))).toMatch(/NOPERM.*keys/);
    expect(await errorOf(() => app.call('ACL', 'LIST'))).toMatch(/NOPERM/);
    expect(await errorOf(() => app.call('SCRIPT', 'FLUSH'))).toMatch(/NOPERM/);
    // DEBUG is refused before ACLs are consulted (enable-debug-command), so ask the ACL itself.
    for (const command of [['DEBUG', 'SLEEP', '0'], ['SHUTDOWN'], ['MONITOR'], ['REPLICAOF', 'NO', 'ONE']]) {
      expect(await admin.call('ACL', 'DRYRUN', 'app', ...command), command[0]).toMatch(/no permissions/);
    }
    expect(await admin.dbsize()).toBeGreaterThan(0); // nothing was flushed
  });

  it('worker user: catalog and history read-only, its own keys and the bull prefix read-write', async () => {
    await admin.set('db:product:w1', '{"id":"w1"}');
    expect(await worker.get('db:product:w1')).toBe('{"id":"w1"}');
    expect(await errorOf(() => worker.set('db:product:w1', 'x'))).toMatch(/NOPERM/);
    expect(await errorOf(() => worker.zadd('history:top', 1, 'q'))).toMatch(/NOPERM/);
    for (const key of [
      'data:w1',
      'cache:query:version',
      'lock:data:w1',
      'stats:hot',
      'worker:heartbeat',
      'bull:cache-jobs:1',
    ]) {
      expect(await worker.set(key, 'v'), key).toBe('OK');
    }
    for (const key of ['ratelimit:ip:1', 'repl:probe:t', 'other:key']) {
      expect(await errorOf(() => worker.set(key, 'v')), key).toMatch(/NOPERM/);
    }
    expect(await errorOf(() => worker.flushall())).toMatch(/NOPERM/);
    expect(await errorOf(() => worker.keys('*'))).toMatch(/NOPERM/);
    expect(await errorOf(() => worker.call('CONFIG', 'GET', 'save'))).toMatch(/NOPERM/);
  });

  it('healthcheck user can PING and INFO only; replication and sentinel users have their narrow rights', async () => {
    const health = connect(master.port, { username: 'healthcheck', password: demoPasswords.healthcheck });
    await health.connect();
    expect(await health.ping()).toBe('PONG');
    expect(await errorOf(() => health.get('db:product:w1'))).toMatch(/NOPERM/);
    expect(await admin.call('ACL', 'DRYRUN', 'replication', 'PSYNC', '?', '-1')).toBe('OK');
    expect(await admin.call('ACL', 'DRYRUN', 'replication', 'GET', 'db:product:w1')).toMatch(
      /no permissions/,
    );
    expect(await admin.call('ACL', 'DRYRUN', 'sentinel', 'SLAVEOF', 'NO', 'ONE')).toBe('OK');
    expect(await admin.call('ACL', 'DRYRUN', 'sentinel', 'GET', 'db:product:w1')).toMatch(/no permissions/);
  });

  it('a replica started from the same file logs in as the replication user and copies the master', async () => {
    const replica = await startFromConf('database.conf', {
      args: ['--replicaof', '127.0.0.1', String(master.port)],
    });
    await waitForLinkUp(replica.port, 15_000, inspector);
    await app.set('data:replicated', 'yes');
    expect(await app.call('WAIT', '1', '5000')).toBe(1);
    const reader = connect(replica.port, { username: 'app', password: demoPasswords.app });
    await reader.connect();
    expect(await reader.get('data:replicated')).toBe('yes');
    expect(await errorOf(() => reader.set('data:replicated', 'no'))).toMatch(/READONLY/);
  });
});

describe('queue.conf and cache.conf', () => {
  it('queue: noeviction (BullMQ needs it), AOF everysec, bounded memory', async () => {
    const queue = await startFromConf('queue.conf');
    const admin = connect(queue.port, inspector);
    await admin.connect();
    expect(await config(admin, 'maxmemory-policy')).toBe('noeviction');
    expect(Number(await config(admin, 'maxmemory'))).toBe(256 * 1024 * 1024);
    expect(await config(admin, 'appendonly')).toBe('yes');
    expect(await config(admin, 'appendfsync')).toBe('everysec');
    const worker = connect(queue.port, { username: 'worker', password: demoPasswords.worker });
    await worker.connect();
    expect(await worker.set('bull:cache-jobs:meta', 'v')).toBe('OK');
  });

  it('cache: allkeys-lru with bounded memory and nothing on disk', async () => {
    const cache = await startFromConf('cache.conf');
    const admin = connect(cache.port, inspector);
    await admin.connect();
    expect(await config(admin, 'maxmemory-policy')).toBe('allkeys-lru');
    expect(Number(await config(admin, 'maxmemory'))).toBe(256 * 1024 * 1024);
    expect(await config(admin, 'appendonly')).toBe('no');
    expect(await config(admin, 'save')).toBe('');
  });
});

describe('sentinel.conf', () => {
  it('monitors the master as the sentinel ACL user, finds its replica, and wants a password', async () => {
    const master = await startFromConf('database.conf');
    const replica = await startFromConf('database.conf', {
      args: ['--replicaof', '127.0.0.1', String(master.port)],
    });
    await waitForLinkUp(replica.port, 15_000, inspector);
    const sentinel = await startFromConf('sentinel.conf', {
      sentinel: true,
      // The compose service name becomes this test's address; everything else is as committed.
      confText: (text) => text.replace('redis-master 6379', `127.0.0.1 ${master.port}`),
    });
    expect(await rawCommand(sentinel.port, 'SENTINEL MASTERS')).toMatch(/^-NOAUTH/);
    const client = connect(sentinel.port, { username: 'default', password: demoPasswords.sentinel });
    await client.connect();
    expect(await client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')).toEqual([
      '127.0.0.1',
      String(master.port),
    ]);
    // Replicas are learned from the master's INFO, which only works if the ACL login worked.
    const deadline = Date.now() + 20_000;
    let replicas: unknown[] = [];
    while (Date.now() < deadline && replicas.length === 0) {
      replicas = (await client.call('SENTINEL', 'REPLICAS', 'mymaster')) as unknown[];
      if (replicas.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(replicas).toHaveLength(1);
    const masterInfo = (await client.call('SENTINEL', 'MASTER', 'mymaster')) as string[];
    const flags = masterInfo[masterInfo.indexOf('flags') + 1];
    expect(flags).toBe('master');
  });
});

describe('committed secrets agree with each other', () => {
  const acl = readFileSync(join(redisConfDir, 'users.acl'), 'utf8');
  const hashOf = (user: string) => new RegExp(`^user ${user} on #([0-9a-f]{64}) `, 'm').exec(acl)?.[1];
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

  it('every demo password is the one hashed in users.acl', () => {
    for (const [user, password] of Object.entries(demoPasswords))
      expect(hashOf(user), user).toBe(sha256(password));
  });

  it('database.conf authenticates replicas and sentinel.conf the sentinels with those passwords', () => {
    const database = readFileSync(join(redisConfDir, 'database.conf'), 'utf8');
    const sentinel = readFileSync(join(redisConfDir, 'sentinel.conf'), 'utf8');
    expect(database).toMatch(new RegExp(`^masterauth ${demoPasswords.replication}$`, 'm'));
    expect(sentinel).toMatch(new RegExp(`^sentinel auth-pass mymaster ${demoPasswords.sentinel}$`, 'm'));
    expect(sentinel).toMatch(/^sentinel auth-user mymaster sentinel$/m);
  });
});
