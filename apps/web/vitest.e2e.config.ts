import { defineConfig } from 'vitest/config';

// Browser tests against the real stack (Redis master + replica, API, worker) in Debian's Chromium,
// on the production build of the SPA (global-setup.ts builds it once, as `pnpm start` does).
// One file, one stack, tests in order: the 2-core machine runs nothing else of ours meanwhile.
export default defineConfig({
  test: {
    include: ['e2e/**/*.test.ts'],
    globalSetup: ['e2e/global-setup.ts'],
    environment: 'node',
    fileParallelism: false,
    // The machine's bound: screenshots and axe over a dozen backdrop blurs, software-rendered,
    // ran past 60 s on a loaded 2-core machine. Promises (red within 2 s) are timed in the tests.
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
