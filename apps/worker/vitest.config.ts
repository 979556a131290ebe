import { defineConfig } from 'vitest/config';

// Same tests, two topologies: `vitest run` against a standalone Redis, `TEST_REDIS_TOPOLOGY=cluster
// vitest run` against a 3-master, 3-replica cluster (@app/testing's startTestRedis reads it).
// cluster*.test.ts are about the cluster itself (shards, failover) and run in the cluster pass only.
const clusterPass = process.env.TEST_REDIS_TOPOLOGY?.trim().toLowerCase() === 'cluster';

// Integration tests start real redis-server processes: run files one at a time so a
// 2-core machine is not oversubscribed and port/process churn stays predictable.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...(clusterPass ? [] : ['test/cluster*.test.ts'])],
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
