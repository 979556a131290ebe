import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// The SPA only ever talks to the API through same-origin paths; in dev those are proxied to
// the API process, in production the API serves `dist/` itself, so no CORS is involved.
const apiTarget = `http://127.0.0.1:${process.env.API_PORT ?? 8090}`;
const proxied = ['/api', '/healthz', '/readyz', '/metrics'];

export default defineConfig({
  plugins: [vue()],
  // vue-i18n's compile-time flags: Composition API only, no devtools hooks in production.
  define: {
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  server: {
    host: '127.0.0.1',
    port: Number(process.env.WEB_PORT ?? 5173),
    strictPort: true,
    proxy: Object.fromEntries(proxied.map((path) => [path, { target: apiTarget, changeOrigin: false }])),
  },
  preview: {
    port: Number(process.env.WEB_PORT ?? 5173),
    proxy: Object.fromEntries(proxied.map((path) => [path, { target: apiTarget }])),
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Lightning CSS (Vite 8's default CSS minifier, 1.33) folds a `backdrop-filter` +
    // `-webkit-backdrop-filter` pair into the prefixed one alone, whatever the targets
    // (parcel-bundler/lightningcss#695): Chromium and Firefox then draw no glass at all.
    // esbuild's minifier keeps the pair and adds the prefix where the targets need it.
    cssMinify: 'esbuild',
    // Stated rather than inherited so the CSS prefixes do not move with Vite's default:
    // Vite 8's 'baseline-widely-available' set (Safari 16.4 still needs -webkit-backdrop-filter).
    cssTarget: ['chrome111', 'edge111', 'firefox114', 'safari16.4', 'ios16.4'],
  },
});
