import { describe, expect, it } from 'vitest';
import { statsResponse } from '../../testing/fixtures.js';
import { setupApp } from '../../testing/setup-app.js';
import { useConfigStore } from '../config.js';
import { useConnectionStore } from '../connection.js';
import { useStatsStore } from '../stats.js';

describe('stats store', () => {
  it('derives requests per second from successive snapshots and keeps sparkline samples', () => {
    setupApp();
    const stats = useStatsStore();
    stats.ingest(statsResponse({ requests: 100 }), 10_000);
    stats.ingest(statsResponse({ requests: 130 }), 12_000);
    expect(stats.requestsPerSec).toBe(15);
    expect(stats.samples.map((s) => s.requestsPerSec)).toEqual([0, 15]);
    // A counter reset (stats cleared on the server) never shows as negative traffic.
    stats.ingest(statsResponse({ requests: 5 }), 13_000);
    expect(stats.requestsPerSec).toBe(0);
  });

  it('keeps at most 90 samples', () => {
    setupApp();
    const stats = useStatsStore();
    for (let i = 0; i < 120; i += 1) stats.ingest(statsResponse({ requests: i }), i * 1000);
    expect(stats.samples).toHaveLength(90);
    expect(stats.samples[0]?.t).toBe(30_000);
  });

  it('marks Redis down on a stream error payload and up again on the next good one', () => {
    setupApp();
    const stats = useStatsStore();
    const connection = useConnectionStore();
    stats.ingest({ error: 'Redis unavailable', code: 'E_REDIS_UNAVAILABLE' });
    expect(connection.problem).toBe('redis-down');
    expect(stats.error).toMatchObject({ code: 'E_REDIS_UNAVAILABLE' });
    stats.ingest(statsResponse());
    expect(connection.problem).toBeNull();
    expect(stats.error).toBeNull();
  });

  it('follows the origin delay the server reports', () => {
    setupApp();
    const config = useConfigStore();
    config.config = {
      origin_delay_ms: 0,
      cache_ttl_seconds: 60,
      topology: 'standalone',
      near_cache: false,
      admin_configured: true,
      rate_limit_per_minute: 0,
      catalog_store: 'redis',
    };
    useStatsStore().ingest(statsResponse({ origin_delay_ms: 250 }));
    expect(config.config.origin_delay_ms).toBe(250);
  });

  it('computes medians over the seconds that had traffic, and the speed-up from them', async () => {
    const { fake } = setupApp();
    fake.on('GET /api/stats/series', {
      body: {
        points: [
          { t: 1, hits: 3, misses: 1, avg_cache_ms: 1, avg_db_ms: 40 },
          { t: 2, hits: 0, misses: 0, avg_cache_ms: 0, avg_db_ms: 0 },
          { t: 3, hits: 1, misses: 1, avg_cache_ms: 3, avg_db_ms: 60 },
          { t: 4, hits: 2, misses: 0, avg_cache_ms: 2, avg_db_ms: 0 },
        ],
      },
    });
    const stats = useStatsStore();
    await stats.loadSeries(60);
    expect(fake.callsTo('GET /api/stats/series')[0]?.query.get('seconds')).toBe('60');
    expect(stats.medianCacheMs).toBe(2);
    expect(stats.medianDbMs).toBe(50);
    expect(stats.speedup).toBe(25);
  });

  it('falls back to the server percentiles and speed-up without recent traffic', () => {
    setupApp();
    const stats = useStatsStore();
    stats.ingest(statsResponse({ speedup: 71.4 }));
    expect(stats.medianCacheMs).toBe(0.7);
    expect(stats.medianDbMs).toBe(50);
    expect(stats.speedup).toBeCloseTo(50 / 0.7);
  });
});
