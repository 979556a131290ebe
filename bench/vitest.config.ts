import { defineConfig } from 'vitest/config';

// The smoke test runs the whole harness (real redis-servers, child processes, HTTP load) on
// tiny sizes: one file, generous timeouts for a busy 2-core machine.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 60_000,
  },
});
