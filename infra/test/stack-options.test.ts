import { describe, expect, it } from 'vitest';
import { externalRedisFrom, redactUrl } from '../dev/external-redis.js';
import { parseStackArgs, UsageError } from '../dev/stack-options.js';

describe('pnpm dev / pnpm start options', () => {
  it('defaults to the seed topology: one master, one replica', () => {
    expect(parseStackArgs('dev', [])).toEqual({
      mode: 'dev',
      topology: 'replicated',
      replicas: 1,
      postgres: false,
      help: false,
    });
    expect(parseStackArgs('dev', ['--', '--postgres']).postgres).toBe(true);
  });

  it('accepts the forms pnpm passes through, with or without a literal --', () => {
    expect(parseStackArgs('dev', ['--', '--replicas', '2']).replicas).toBe(2);
    expect(parseStackArgs('start', ['--replicas=0', '--topology=replicated']).replicas).toBe(0);
    expect(parseStackArgs('dev', ['--help']).help).toBe(true);
  });

  it('runs a local cluster with --cluster (or --topology cluster)', () => {
    expect(parseStackArgs('dev', ['--', '--cluster'])).toMatchObject({ topology: 'cluster', replicas: 1 });
    expect(parseStackArgs('start', ['--topology=cluster', '--replicas', '0']).topology).toBe('cluster');
  });

  it('refuses an unknown option or a topology that does not exist yet, saying what exists', () => {
    expect(() => parseStackArgs('dev', ['--nope'])).toThrow(UsageError);
    expect(() => parseStackArgs('dev', ['--topology', 'sentinel'])).toThrow(
      /no local "sentinel" topology yet; available: replicated, cluster/,
    );
    expect(() => parseStackArgs('dev', ['--replicas', 'many'])).toThrow(/--replicas must be an integer/);
  });
});

describe('a Redis the user configured', () => {
  it('is not replaced by local servers, and the hints point at it without showing its password', () => {
    const external = externalRedisFrom({
      REDIS_URL: 'redis://app:secret@db.internal:6380',
      REDIS_REPLICA_URLS: 'redis://db-replica:6381',
    });
    expect(external?.description).toBe(
      'master redis://app:***@db.internal:6380, replicas redis://db-replica:6381',
    );
    expect(external?.tryCommands).toEqual([
      'redis-cli -u redis://app:***@db.internal:6380 SET test "Hello Redis"',
      'redis-cli -h db-replica -p 6381 GET test',
      'redis-cli -u redis://app:***@db.internal:6380 GET db:product:prod1',
    ]);
  });

  it('follows @app/redis-core precedence: cluster, then sentinels, then REDIS_URL; blank means unset', () => {
    expect(externalRedisFrom({})).toBeNull();
    expect(externalRedisFrom({ REDIS_URL: '  ' })).toBeNull();
    expect(externalRedisFrom({ REDIS_URL: 'redis://a:1', REDIS_SENTINELS: 's1:26379' })?.tryCommands[0]).toBe(
      'redis-cli -h s1 -p 26379 SENTINEL get-master-addr-by-name mymaster',
    );
    expect(
      externalRedisFrom({ REDIS_SENTINELS: 's1:26379', REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7000' })
        ?.tryCommands,
    ).toEqual(['redis-cli -c -h 10.0.0.1 -p 7000 CLUSTER INFO']);
    expect(redactUrl('redis://:pw@h:1')).toBe('redis://:***@h:1');
  });
});
