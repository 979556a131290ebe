import { describe, expect, it } from 'vitest';
import { type AppConfig, loadConfig, redactUrl } from '../src/config/index.js';
import { ConfigError } from '../src/errors.js';

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig: topologies', () => {
  it('defaults to a standalone Redis on 127.0.0.1:6379 and the documented defaults', () => {
    const config: AppConfig = loadConfig({});
    expect(config).toEqual({
      topology: { kind: 'standalone', url: 'redis://127.0.0.1:6379' },
      host: '127.0.0.1',
      port: 8090,
      metrics: { allow: ['127.0.0.1', '::1'] },
      streams: { maxPerClient: 4, maxTotal: 200 },
      probeEverySeconds: 5,
      cacheFill: { perClient: 100, total: 10_000 },
      cacheTtlSeconds: 60,
      cacheTtlJitter: 0.1,
      negativeTtlSeconds: 10,
      graceSeconds: 0,
      rateLimitPerMinute: 600,
      originDelayMs: 0,
      seedCatalog: true,
      commandTimeoutMs: 1000,
      maxReplicaLagBytes: 1024 * 1024,
      corsOrigins: [],
      logLevel: 'info',
      nearCache: { enabled: false, maxBytes: 8 * 1024 * 1024 },
      catalogStore: 'redis',
      changeStreamSlot: 'cache_invalidation',
      worker: { concurrency: 2, refreshEverySeconds: 30, warmOnStart: true, refreshThresholdRatio: 0.2 },
    });
  });

  it('CATALOG_STORE=postgres needs a postgres:// DATABASE_URL; the slot name is checked', () => {
    expect(
      loadConfig({ CATALOG_STORE: 'postgres', DATABASE_URL: 'postgres://app@db:5432/shop' }),
    ).toMatchObject({
      catalogStore: 'postgres',
      databaseUrl: 'postgres://app@db:5432/shop',
      changeStreamSlot: 'cache_invalidation',
    });
    expect(() => loadConfig({ CATALOG_STORE: 'postgres' })).toThrow(
      /^DATABASE_URL: required when CATALOG_STORE=postgres/,
    );
    expect(() => loadConfig({ CATALOG_STORE: 'mysql' })).toThrow(/^CATALOG_STORE: must be redis or postgres/);
    expect(() => loadConfig({ DATABASE_URL: 'redis://x:1' })).toThrow(/^DATABASE_URL: must be a postgres/);
    expect(() => loadConfig({ CHANGE_STREAM_SLOT: 'Bad-Slot' })).toThrow(/^CHANGE_STREAM_SLOT:/);
    expect(loadConfig({ CHANGE_STREAM_SLOT: 'my_slot' }).changeStreamSlot).toBe('my_slot');
  });

  it('reads the exposure settings: HOST, metrics access, stream and cache-fill bounds, probe period', () => {
    const config = loadConfig({
      HOST: '0.0.0.0',
      METRICS_TOKEN: 'scrape',
      METRICS_ALLOW: '10.0.0.0/8, 192.168.1.7 ,fd00::/8',
      STREAM_MAX_PER_CLIENT: '2',
      STREAM_MAX_TOTAL: '50',
      REPLICATION_PROBE_EVERY_SECONDS: '0',
      CACHE_FILL_PER_CLIENT: '10',
      CACHE_FILL_TOTAL: '1000',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      metrics: { token: 'scrape', allow: ['10.0.0.0/8', '192.168.1.7', 'fd00::/8'] },
      streams: { maxPerClient: 2, maxTotal: 50 },
      probeEverySeconds: 0,
      cacheFill: { perClient: 10, total: 1000 },
    });
    for (const [variable, value] of [
      ['METRICS_ALLOW', '10.0.0.0/33'],
      ['METRICS_ALLOW', 'localhost'],
      ['HOST', 'a b'],
      ['STREAM_MAX_PER_CLIENT', '0'],
    ]) {
      expect(() => loadConfig({ [variable as string]: value }), `${variable}=${value}`).toThrow(
        new RegExp(`^${variable}: `),
      );
    }
  });

  it('reads a standalone REDIS_URL', () => {
    expect(loadConfig({ REDIS_URL: 'redis://cache.internal:6380/2' }).topology).toEqual({
      kind: 'standalone',
      url: 'redis://cache.internal:6380/2',
    });
  });

  it('reads a master with replicas (REDIS_URL + REDIS_REPLICA_URLS)', () => {
    const config = loadConfig({
      REDIS_URL: 'redis://10.0.0.1:6379',
      REDIS_REPLICA_URLS: ' redis://10.0.0.2:6379, redis://10.0.0.3:6379 ,',
      REDIS_PASSWORD: 's3cret',
    });
    expect(config.topology).toEqual({
      kind: 'replicated',
      url: 'redis://10.0.0.1:6379',
      replicaUrls: ['redis://10.0.0.2:6379', 'redis://10.0.0.3:6379'],
      password: 's3cret',
    });
  });

  it('stays standalone when REDIS_REPLICA_URLS is empty', () => {
    expect(loadConfig({ REDIS_URL: 'redis://a:1', REDIS_REPLICA_URLS: '' }).topology.kind).toBe('standalone');
  });

  it('reads sentinels with a name and passwords', () => {
    const config = loadConfig({
      REDIS_SENTINELS: 'sentinel-1:26379,sentinel-2:26380,[::1]:26381',
      REDIS_SENTINEL_NAME: 'catalog',
      REDIS_PASSWORD: 'pw',
      REDIS_SENTINEL_PASSWORD: 'spw',
      REDIS_URL: 'redis://ignored:6379',
    });
    expect(config.topology).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 'sentinel-1', port: 26379 },
        { host: 'sentinel-2', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      name: 'catalog',
      password: 'pw',
      sentinelPassword: 'spw',
    });
  });

  it('names the sentinel group mymaster by default', () => {
    const topology = loadConfig({ REDIS_SENTINELS: 'localhost:26379' }).topology;
    expect(topology).toEqual({
      kind: 'sentinel',
      sentinels: [{ host: 'localhost', port: 26379 }],
      name: 'mymaster',
    });
  });

  it('reads cluster nodes, which win over sentinels and URLs', () => {
    const config = loadConfig({
      REDIS_CLUSTER_NODES: '127.0.0.1:7000, 127.0.0.1:7001,redis://127.0.0.1:7002',
      REDIS_SENTINELS: 'localhost:26379',
      REDIS_URL: 'redis://x:1',
      REDIS_PASSWORD: 'pw',
    });
    expect(config.topology).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '127.0.0.1', port: 7000 },
        { host: '127.0.0.1', port: 7001 },
        { host: '127.0.0.1', port: 7002 },
      ],
      password: 'pw',
    });
  });
});

describe('loadConfig: values', () => {
  it('parses every setting', () => {
    const config = loadConfig({
      QUEUE_REDIS_URL: 'redis://queue:6379',
      PORT: '3000',
      CACHE_TTL_SECONDS: '120',
      CACHE_TTL_JITTER: '0.25',
      CACHE_NEGATIVE_TTL_SECONDS: '5',
      CACHE_GRACE_SECONDS: '30',
      ADMIN_TOKEN: 'token-123',
      RATE_LIMIT_PER_MINUTE: '0',
      ORIGIN_DELAY_MS: '250',
      SEED_CATALOG: 'off',
      REDIS_COMMAND_TIMEOUT_MS: '300',
      REDIS_MAX_REPLICA_LAG_BYTES: '4096',
      CORS_ORIGINS: 'http://localhost:5173, https://shop.example',
      LOG_LEVEL: 'DEBUG',
      NEAR_CACHE: 'yes',
      NEAR_CACHE_MAX_BYTES: '65536',
      WORKER_CONCURRENCY: '4',
      WORKER_REFRESH_EVERY_SECONDS: '10',
      WORKER_WARM_ON_START: 'no',
      WORKER_REFRESH_THRESHOLD_RATIO: '0.5',
    });
    expect(config).toMatchObject({
      queueRedisUrl: 'redis://queue:6379',
      port: 3000,
      cacheTtlSeconds: 120,
      cacheTtlJitter: 0.25,
      negativeTtlSeconds: 5,
      graceSeconds: 30,
      adminToken: 'token-123',
      rateLimitPerMinute: 0,
      originDelayMs: 250,
      seedCatalog: false,
      commandTimeoutMs: 300,
      maxReplicaLagBytes: 4096,
      corsOrigins: ['http://localhost:5173', 'https://shop.example'],
      logLevel: 'debug',
      nearCache: { enabled: true, maxBytes: 65536 },
      worker: { concurrency: 4, refreshEverySeconds: 10, warmOnStart: false, refreshThresholdRatio: 0.5 },
    });
  });

  it.each([
    ['1', true],
    ['0', false],
    ['true', true],
    ['FALSE', false],
    ['on', true],
    ['off', false],
    ['Yes', true],
    ['no', false],
    [' on ', true],
  ])('SEED_CATALOG=%j is %s', (value, expected) => {
    expect(loadConfig({ SEED_CATALOG: value }).seedCatalog).toBe(expected);
  });

  it('treats empty values as unset', () => {
    const config = loadConfig({ PORT: '', SEED_CATALOG: ' ', ADMIN_TOKEN: '', REDIS_URL: '' });
    expect(config.port).toBe(8090);
    expect(config.seedCatalog).toBe(true);
    expect(config.adminToken).toBeUndefined();
    expect(config.topology).toEqual({ kind: 'standalone', url: 'redis://127.0.0.1:6379' });
  });
});

describe('loadConfig: a bad value fails naming the variable', () => {
  it.each([
    ['PORT', 'abc', 'PORT: must be an integer 1-65535'],
    ['PORT', '0', 'PORT: must be an integer 1-65535'],
    ['PORT', '65536', 'PORT: must be an integer 1-65535'],
    ['PORT', '80.5', 'PORT: must be an integer 1-65535'],
    ['CACHE_TTL_SECONDS', '0', 'CACHE_TTL_SECONDS: must be an integer 1-31536000'],
    ['CACHE_TTL_SECONDS', '-5', 'CACHE_TTL_SECONDS: must be an integer 1-31536000'],
    ['CACHE_TTL_JITTER', '0.8', 'CACHE_TTL_JITTER: must be a number 0-0.5'],
    ['CACHE_TTL_JITTER', 'lots', 'CACHE_TTL_JITTER: must be a number 0-0.5'],
    ['CACHE_NEGATIVE_TTL_SECONDS', '-1', 'CACHE_NEGATIVE_TTL_SECONDS: must be an integer 0-86400'],
    ['CACHE_GRACE_SECONDS', 'x', 'CACHE_GRACE_SECONDS: must be an integer 0-86400'],
    ['RATE_LIMIT_PER_MINUTE', '-1', 'RATE_LIMIT_PER_MINUTE: must be an integer 0-1000000'],
    ['ORIGIN_DELAY_MS', '1e3', 'ORIGIN_DELAY_MS: must be an integer 0-60000'],
    ['SEED_CATALOG', 'maybe', 'SEED_CATALOG: must be one of 1/0, true/false, on/off, yes/no'],
    ['NEAR_CACHE', '2', 'NEAR_CACHE: must be one of 1/0, true/false, on/off, yes/no'],
    ['NEAR_CACHE_MAX_BYTES', '10', 'NEAR_CACHE_MAX_BYTES: must be an integer 1024-2147483648'],
    ['WORKER_CONCURRENCY', '0', 'WORKER_CONCURRENCY: must be an integer 1-64'],
    ['WORKER_REFRESH_EVERY_SECONDS', 'soon', 'WORKER_REFRESH_EVERY_SECONDS: must be an integer 0-86400'],
    [
      'WORKER_WARM_ON_START',
      'perhaps',
      'WORKER_WARM_ON_START: must be one of 1/0, true/false, on/off, yes/no',
    ],
    ['WORKER_REFRESH_THRESHOLD_RATIO', '1.5', 'WORKER_REFRESH_THRESHOLD_RATIO: must be a number 0-1'],
    ['REDIS_COMMAND_TIMEOUT_MS', '5', 'REDIS_COMMAND_TIMEOUT_MS: must be an integer 10-60000'],
    [
      'REDIS_MAX_REPLICA_LAG_BYTES',
      '-1',
      'REDIS_MAX_REPLICA_LAG_BYTES: must be an integer 0-9007199254740991',
    ],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent'],
    ['REDIS_URL', 'http://x:6379', 'REDIS_URL: must be a redis:// or rediss:// URL with a host'],
    ['REDIS_URL', 'not a url', 'REDIS_URL: must be a redis:// or rediss:// URL with a host'],
    ['QUEUE_REDIS_URL', 'localhost:6379', 'QUEUE_REDIS_URL: must be a redis:// or rediss:// URL with a host'],
    ['REDIS_REPLICA_URLS', 'redis://a:1,b:2', 'REDIS_REPLICA_URLS: must be a comma list of redis:// URLs'],
    ['REDIS_SENTINELS', 'sentinel-1', 'REDIS_SENTINELS: must be a comma list of host:port'],
    ['REDIS_SENTINELS', 'a:26379,b:notaport', 'REDIS_SENTINELS: must be a comma list of host:port'],
    ['REDIS_SENTINELS', ',', 'REDIS_SENTINELS: must be a comma list of host:port'],
    ['REDIS_CLUSTER_NODES', 'a:70000', 'REDIS_CLUSTER_NODES: must be a comma list of host:port'],
    [
      'REDIS_SENTINEL_NAME',
      'my master',
      'REDIS_SENTINEL_NAME: must be 1-64 characters of letters, digits, _ . -',
    ],
  ])('%s=%j', (variable, value, expected) => {
    const err = configError({ [variable]: value });
    expect(err.message).toContain(expected);
    expect(err.variable).toBe(variable);
    expect(err.code).toBe('E_CONFIG');
  });

  it('reports the bad variable even when others are fine', () => {
    const err = configError({ PORT: '8080', REDIS_URL: 'redis://ok:6379', CACHE_TTL_SECONDS: 'sixty' });
    expect(err.message).toBe('CACHE_TTL_SECONDS: must be an integer 1-31536000');
  });
});

describe('redactUrl', () => {
  it('hides a password and keeps the rest', () => {
    expect(redactUrl('redis://:hunter2@10.0.0.1:6379/1')).toBe('redis://:***@10.0.0.1:6379/1');
    expect(redactUrl('redis://10.0.0.1:6379')).toBe('redis://10.0.0.1:6379');
  });
});
