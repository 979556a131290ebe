import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

// Unit tests: components and stores in happy-dom, HTTP faked at the `fetch` boundary.
export default defineConfig({
  plugins: [vue()],
  test: {
    environment: 'happy-dom',
    include: ['src/**/__tests__/*.test.ts'],
  },
});
