import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

// Unit tests: components and stores in happy-dom, HTTP faked at the `fetch` boundary.
export default defineConfig({
  plugins: [vue()],
  test: {
    environment: 'happy-dom',
    include: ['src/**/__tests__/*.test.ts'],
    // Vitest's 5 s default measures the machine, not the monitor: the first mount of the whole
    // App in happy-dom took 5.3 s on a loaded 2-core machine (a fresh-clone `pnpm test` run).
    testTimeout: 30_000,
  },
});
