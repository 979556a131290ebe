import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { demoPasswords, infraDir, redisConfDir } from './helpers.js';

const composeFile = join(infraDir, 'docker-compose.yml');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; target: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;

function dockerCompose(): boolean {
  return spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;
}

describe('infra/docker-compose.yml', () => {
  // Where the compose plugin exists it validates the whole file (no engine needed); without it
  // the structural checks below are what stands.
  it(dockerCompose() ? 'passes `docker compose config`' : 'parses as YAML with every service defined', () => {
    if (dockerCompose()) {
      const result = spawnSync('docker', ['compose', '-f', composeFile, 'config', '-q'], {
        encoding: 'utf8',
      });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    } else {
      expect(typeof compose).toBe('object');
    }
    expect(Object.keys(services).sort()).toEqual(
      [
        'api',
        'redis-master',
        'redis-queue',
        'redis-replica-1',
        'redis-replica-2',
        'redis-sentinel-1',
        'redis-sentinel-2',
        'redis-sentinel-3',
        'worker',
        // profile `cluster`
        'redis-cluster-1',
        'redis-cluster-2',
        'redis-cluster-3',
        'redis-cluster-4',
        'redis-cluster-5',
        'redis-cluster-6',
        'redis-cluster-init',
        'api-cluster',
        'worker-cluster',
      ].sort(),
    );
  });

  it('gives every service a health check, each a list of strings (an unquoted `: ` would make a map)', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck?.test?.length, name).toBeGreaterThan(1);
      for (const part of service.healthcheck!.test)
        expect(typeof part, `${name}: ${JSON.stringify(part)}`).toBe('string');
      expect(['CMD', 'CMD-SHELL']).toContain(service.healthcheck!.test[0]);
    }
  });

  it('passes only strings as commands and environment values', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const part of service.command ?? []) expect(typeof part, name).toBe('string');
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        expect(typeof value, `${name}.${key}`).toBe('string');
      }
    }
  });

  it('starts each Redis from a committed config file of the right role', () => {
    const confOf = (name: string) => services[name]?.command?.join(' ') ?? '';
    // Master and replicas add the split-brain guard database.conf leaves off (docs/reliability.md).
    expect(confOf('redis-master')).toBe(
      'redis-server /usr/local/etc/redis/database.conf --min-replicas-to-write 1',
    );
    for (const replica of ['redis-replica-1', 'redis-replica-2']) {
      expect(confOf(replica)).toMatch(
        /database\.conf --min-replicas-to-write 1 --replicaof redis-master 6379$/,
      );
    }
    for (const sentinel of ['redis-sentinel-1', 'redis-sentinel-2', 'redis-sentinel-3']) {
      expect(confOf(sentinel)).toContain('sentinel.conf');
    }
    expect(confOf('redis-queue')).toContain('/usr/local/etc/redis/queue.conf');
    for (const [name, service] of Object.entries(services)) {
      if (!service.image?.startsWith('${REDIS_IMAGE')) continue;
      expect(service.volumes, name).toContain('./redis:/usr/local/etc/redis:ro');
    }
    for (const file of ['database.conf', 'queue.conf', 'sentinel.conf', 'cluster.conf', 'users.acl']) {
      expect(existsSync(join(redisConfDir, file)), file).toBe(true);
    }
  });

  it('connects the API and the worker as their own least-privilege users, through the sentinels', () => {
    const api = services.api!.environment!;
    const worker = services.worker!.environment!;
    expect(api.REDIS_USERNAME).toBe('app');
    expect(api.REDIS_PASSWORD).toBe(demoPasswords.app);
    expect(worker.REDIS_USERNAME).toBe('worker');
    expect(worker.REDIS_PASSWORD).toBe(demoPasswords.worker);
    expect(api.QUEUE_REDIS_URL).toBe(`redis://app:${demoPasswords.app}@redis-queue:6379`);
    expect(worker.QUEUE_REDIS_URL).toBe(`redis://worker:${demoPasswords.worker}@redis-queue:6379`);
    for (const env of [api, worker]) {
      expect(env.REDIS_SENTINELS).toBe(
        'redis-sentinel-1:26379,redis-sentinel-2:26379,redis-sentinel-3:26379',
      );
      expect(env.REDIS_SENTINEL_PASSWORD).toBe(demoPasswords.sentinel);
      expect(env.REDIS_URL).toBeUndefined();
    }
    const sentinelConf = readFileSync(join(redisConfDir, 'sentinel.conf'), 'utf8');
    expect(sentinelConf).toMatch(new RegExp(`^requirepass ${demoPasswords.sentinel}$`, 'm'));
  });

  it('has a `cluster` profile: six nodes from cluster.conf, created by cluster-admin, and the apps on REDIS_CLUSTER_NODES', () => {
    const nodes = [1, 2, 3, 4, 5, 6].map((i) => `redis-cluster-${i}`);
    const volumes = new Set<string>();
    for (const name of nodes) {
      const node = services[name] as Service & { profiles?: string[] };
      expect(node.profiles, name).toEqual(['cluster']);
      expect(node.command?.join(' '), name).toBe('redis-server /usr/local/etc/redis/cluster.conf');
      const data = node.volumes?.find((v) => v.endsWith(':/data'));
      expect(data, name).toBeDefined();
      volumes.add(data as string);
    }
    expect(volumes.size).toBe(6);
    // cluster.conf builds on the database role through the same mount.
    const clusterConf = readFileSync(join(redisConfDir, 'cluster.conf'), 'utf8');
    expect(clusterConf).toMatch(/^include \/usr\/local\/etc\/redis\/database\.conf$/m);
    expect(clusterConf).toMatch(/^cluster-enabled yes$/m);
    const init = services['redis-cluster-init'] as Service & { profiles?: string[] };
    expect(init.profiles).toEqual(['cluster']);
    const script = init.command?.join(' ') ?? '';
    expect(script).toContain(`--user cluster-admin --pass ${demoPasswords['cluster-admin']}`);
    expect(script).toContain('--cluster create');
    expect(Object.keys(init.depends_on ?? {}).sort()).toEqual([...nodes].sort());
    for (const [name, user] of [
      ['api-cluster', 'app'],
      ['worker-cluster', 'worker'],
    ] as const) {
      const app = services[name] as Service & { profiles?: string[] };
      expect(app.profiles, name).toEqual(['cluster']);
      const env = app.environment ?? {};
      expect(env.REDIS_CLUSTER_NODES?.split(','), name).toEqual(nodes.map((n) => `${n}:6379`));
      expect(env.REDIS_USERNAME, name).toBe(user);
      expect(env.REDIS_PASSWORD, name).toBe(demoPasswords[user]);
      expect(env.REDIS_URL ?? env.REDIS_SENTINELS ?? env.QUEUE_REDIS_URL, name).toBeUndefined();
      expect(app.depends_on?.['redis-cluster-init']?.condition, name).toBe('service_completed_successfully');
      expect(app.build?.target, name).toBe(name.replace('-cluster', ''));
    }
  });

  it('builds the API and the worker from infra/Dockerfile targets that exist', () => {
    const dockerfile = readFileSync(join(infraDir, 'Dockerfile'), 'utf8');
    for (const name of ['api', 'worker']) {
      const build = services[name]!.build!;
      expect(build.context).toBe('..');
      expect(build.dockerfile).toBe('infra/Dockerfile');
      expect(dockerfile).toMatch(new RegExp(`^FROM \\S+ AS ${build.target}$`, 'm'));
      expect(Object.keys(services[name]!.depends_on ?? {})).toEqual(
        expect.arrayContaining(['redis-sentinel-1', 'redis-queue', 'redis-replica-1']),
      );
    }
  });
});
