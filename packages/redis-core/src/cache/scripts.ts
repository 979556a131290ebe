import { loadScript } from '../lua-script.js';

// Literal URLs: the production bundler (infra/build) rewrites each to a copied asset.
export const cacheScripts = {
  acquire: loadScript(new URL('./acquire-2.lua', import.meta.url)),
  store: loadScript(new URL('./store-2.lua', import.meta.url)),
  release: loadScript(new URL('./release-1.lua', import.meta.url)),
  refreshLock: loadScript(new URL('./refresh-lock-2.lua', import.meta.url)),
  readMany: loadScript(new URL('./read-n.lua', import.meta.url)),
  setMany: loadScript(new URL('./set-n.lua', import.meta.url)),
  setManyFenced: loadScript(new URL('./set-fenced-n.lua', import.meta.url)),
  invalidate: loadScript(new URL('./invalidate-3.lua', import.meta.url)),
};
