import { defineConfig } from 'vitest/config';

// Each file starts real redis-server processes: one file at a time on a 2-core machine.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
