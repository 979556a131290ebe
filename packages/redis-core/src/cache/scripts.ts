import { loadScript } from '../lua-script.js';

const script = (file: string) => loadScript(new URL(`./${file}`, import.meta.url));

export const cacheScripts = {
  acquire: script('acquire-2.lua'),
  store: script('store-2.lua'),
  release: script('release-1.lua'),
  refreshLock: script('refresh-lock-2.lua'),
  readMany: script('read-n.lua'),
  setMany: script('set-n.lua'),
  setManyFenced: script('set-fenced-n.lua'),
  invalidate: script('invalidate-3.lua'),
};
