import { defineConfig } from 'vitest/config';

// Same tests, two topologies: `vitest run` against a standalone Redis, `TEST_REDIS_TOPOLOGY=cluster
// vitest run` against a 3-master, 3-replica cluster (@app/testing's startTestRedis reads it).
// A file about one topology runs in that pass only, so nothing runs twice for nothing:
// - standalone pass only: killing/hanging the only server, the master+replica topology, and
//   the pure error mapping (no Redis);
// - cluster pass only: cluster*.test.ts (shards, failover under load).
const clusterPass = process.env.TEST_REDIS_TOPOLOGY?.trim().toLowerCase() === 'cluster';
const standaloneOnly = [
  'test/degradation.test.ts',
  'test/replication.test.ts',
  'test/error-mapping.test.ts',
  // HTTP-side bounds (streams, server limits, /metrics access): nothing depends on the topology.
  'test/stream-bounds.test.ts',
  'test/http-exposure.test.ts',
];
const clusterOnly = ['test/cluster*.test.ts'];

// Integration tests start real redis-server processes: run files one at a time so a
// 2-core machine is not oversubscribed and port/process churn stays predictable.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...(clusterPass ? standaloneOnly : clusterOnly)],
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
