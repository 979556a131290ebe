import { execFile } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  createCache,
  createCatalog,
  createConnections,
  createHistory,
  createJobProducer,
  createKeyspace,
  createReplication,
  createStats,
  JOB,
  loadConfig,
  type RedisConnections,
  redisInfo,
} from '@app/redis-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPortFree, pickPort, portRange } from '../dev/ports.js';
import { RedisProcess } from '../dev/redis-process.js';
import { cleanup, connect, demoPasswords, errorOf, inspector, redisConfDir, tempDir } from './helpers.js';
import { workerUserFlow } from './worker-flow.js';

// The compose profile `cluster` without Docker: six redis-server processes started from the
// committed cluster.conf (which includes database.conf) and users.acl, the cluster created the
// way the profile's init service creates it (as the cluster-admin user), then the real
// @app/redis-core paths of the API and the worker logged in as `app` and `worker`. A missing
// key pattern or command for the cluster names ({db}, {bull}…) shows up here as NOPERM.

const exec = promisify(execFile);
const keys = createKeyspace({ cluster: true });
const nodes: RedisProcess[] = [];
const open: RedisConnections[] = [];
let addresses = '';

function connectAs(user: 'app' | 'worker'): RedisConnections {
  const config = loadConfig({
    REDIS_CLUSTER_NODES: addresses,
    REDIS_USERNAME: user,
    REDIS_PASSWORD: demoPasswords[user],
  });
  const connections = createConnections(config.topology, { commandTimeoutMs: 2_000 });
  open.push(connections);
  return connections;
}

beforeAll(async () => {
  const dir = tempDir('cluster-conf');
  const conf = join(dir, 'cluster.conf');
  const include = join(redisConfDir, 'database.conf');
  writeFileSync(
    conf,
    readFileSync(join(redisConfDir, 'cluster.conf'), 'utf8').replace(/^include .*$/m, `include ${include}`),
  );
  const acl = join(dir, 'users.acl');
  copyFileSync(join(redisConfDir, 'users.acl'), acl);
  writeFileSync(
    acl,
    `${readFileSync(acl, 'utf8').trimEnd()}\nuser ${inspector.username} on >${inspector.password} ~* &* +@all\n`,
  );
  const taken = new Set<number>();
  const preferred = portRange(21_000 + Math.floor(Math.random() * 9_000), 30);
  for (let i = 0; i < 6; i++) {
    let port = await pickPort(preferred, taken);
    taken.add(port);
    while (port + 10_000 > 65_535 || !(await isPortFree(port + 10_000))) {
      port = await pickPort(preferred, taken);
      taken.add(port);
    }
    nodes.push(
      await RedisProcess.start({
        name: `cluster-${i + 1}`,
        port,
        dataDir: join(dir, `node-${i + 1}`),
        configFile: conf,
        args: ['--aclfile', acl],
      }),
    );
  }
  addresses = nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
  // What the compose profile's init service runs.
  await exec('redis-cli', [
    '--user',
    'cluster-admin',
    '--pass',
    demoPasswords['cluster-admin'],
    '--no-auth-warning',
    '--cluster',
    'create',
    ...addresses.split(','),
    '--cluster-replicas',
    '1',
    '--cluster-yes',
  ]);
  for (const node of nodes) {
    const c = connect(node.port, inspector);
    await c.connect();
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !/cluster_state:ok/.test(String(await c.call('CLUSTER', 'INFO'))))
      await new Promise((r) => setTimeout(r, 100));
    // Replicas log in to their master as the replication user (database.conf's masteruser).
    const info = await c.info('replication');
    if (/role:slave/.test(info)) {
      while (Date.now() < deadline && !/master_link_status:up/.test(await c.info('replication')))
        await new Promise((r) => setTimeout(r, 100));
      expect(await c.info('replication')).toMatch(/master_link_status:up/);
    }
    // Gossip tells every node who replicates whom a little after cluster_state:ok; the
    // replication view reads CLUSTER NODES from any node.
    const replicasSeen = async () =>
      String(await c.call('CLUSTER', 'NODES'))
        .split('\n')
        .filter((line) => /\bslave\b/.test(line.split(' ')[2] ?? '') && line.split(' ')[3] !== '-').length;
    while (Date.now() < deadline && (await replicasSeen()) < 3) await new Promise((r) => setTimeout(r, 100));
    expect(await replicasSeen()).toBe(3);
    c.disconnect();
  }
}, 90_000);

afterAll(async () => {
  await Promise.all(open.map((c) => c.close().catch(() => undefined)));
  await cleanup();
  await Promise.all(nodes.map((n) => n.stop()));
});

describe('a cluster from cluster.conf and users.acl', () => {
  it('was created by cluster-admin, and healthcheck may see its state but no data', async () => {
    const check = await exec('redis-cli', [
      '--user',
      'cluster-admin',
      '--pass',
      demoPasswords['cluster-admin'],
      '--no-auth-warning',
      '--cluster',
      'check',
      addresses.split(',')[0] as string,
    ]);
    expect(check.stdout).toMatch(/All 16384 slots covered/);
    const health = connect(nodes[0]!.port, { username: 'healthcheck', password: demoPasswords.healthcheck });
    await health.connect();
    expect(String(await health.call('CLUSTER', 'INFO'))).toMatch(/cluster_state:ok/);
    expect(await errorOf(() => health.get('{db}:products'))).toMatch(/NOPERM/);
    const admin = connect(nodes[0]!.port, {
      username: 'cluster-admin',
      password: demoPasswords['cluster-admin'],
    });
    await admin.connect();
    expect(await errorOf(() => admin.get('{db}:products'))).toMatch(/NOPERM/);
  });

  it('lets the app user run the API flows: catalog, cache, stats, history, key browser, replication, jobs', async () => {
    const connections = connectAs('app');
    const catalog = createCatalog({ connections, keys });
    expect(await catalog.seedIfEmpty()).toBeGreaterThan(0);
    expect((await catalog.update('prod1', { price: 849.99 })).price).toBe(849.99);
    expect((await catalog.searchByName('smart')).map((p) => p.id)).toContain('prod1');
    expect((await catalog.checkConsistency()).ok).toBe(true);

    const stats = createStats({ connections, keys, flushIntervalMs: 60_000 });
    const cache = createCache({
      connections,
      keys,
      stats,
      ttlSeconds: 60,
      jitter: 0.1,
      negativeTtlSeconds: 10,
      graceSeconds: 0,
    });
    const load = () => catalog.get('prod1', { consistent: true });
    expect((await cache.getOrLoad('prod1', load)).source).toBe('database');
    expect((await cache.getOrLoad('prod1', load)).source).toBe('cache');
    expect(
      (await cache.getOrLoadQuery('by-price', { max: 1000 }, () => catalog.byPrice({ max: 1000 }))).source,
    ).toBe('database');
    expect((await cache.scanKeys({ pattern: 'data:*', count: 100 })).keys.map((k) => k.key)).toContain(
      'data:prod1',
    );
    expect(await cache.invalidatePrefix('data:')).toBeGreaterThanOrEqual(1);
    await stats.flush();
    expect((await stats.snapshot()).requests).toBeGreaterThanOrEqual(2);
    const history = createHistory({ connections, keys });
    await history.record('smartphone');
    expect((await history.top(5))[0]?.query).toBe('smartphone');
    expect((await redisInfo(connections.writer)).role).toBe('master');
    expect(String(await connections.writer.call('CLUSTER', 'INFO'))).toMatch(/cluster_state:ok/);

    const replication = createReplication({ connections, keys });
    const status = await replication.status();
    expect(status.shards).toHaveLength(3);
    for (const shard of status.shards ?? []) expect(shard.replicas[0]?.linkStatus).toBe('up');
    const probe = await replication.probe(3_000);
    expect(probe.results.every((r) => r.arrivedMs !== null)).toBe(true);
    await replication.close();

    const producer = createJobProducer({
      connection: connections.queueConnectionOptions(),
      prefix: keys.jobsPrefix,
    });
    expect((await producer.enqueue(JOB.warmTop, { n: 1 })).name).toBe(JOB.warmTop);
    await producer.queue.obliterate({ force: true });
    await producer.close();
    cache.close();
    await stats.close();
  });

  it('lets the worker user consume a job and warm the cache, and still not write the catalog', async () => {
    const connections = connectAs('worker');
    const app = connectAs('app');
    const catalog = createCatalog({ connections, keys });
    const cache = createCache({
      connections,
      keys,
      ttlSeconds: 60,
      jitter: 0.1,
      negativeTtlSeconds: 10,
      graceSeconds: 0,
    });
    try {
      await workerUserFlow({ connections, app, keys, catalog, cache, workerId: 'acl-cluster.1.abc' });
    } finally {
      cache.close();
    }
  });
});
