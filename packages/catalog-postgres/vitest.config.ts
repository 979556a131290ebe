import { defineConfig } from 'vitest/config';

// Integration tests start real redis-server and postgres processes: run files one at a time so a
// 2-core machine is not oversubscribed and port/process churn stays predictable.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
