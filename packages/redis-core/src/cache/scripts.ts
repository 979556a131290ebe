import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

type Client = Redis | Cluster;

/**
 * A Lua script from `src/lua/<name>-<numKeys>.lua`, run with EVALSHA (EVAL once on NOSCRIPT).
 * `<name>-n.lua` takes any number of keys (batched reads).
 */
export interface CacheScript {
  readonly name: string;
  readonly numKeys: number;
  run(client: Client, keys: string[], args: (string | number)[]): Promise<unknown>;
}

export function loadScript(file: string): CacheScript {
  const match = /^(.+)-(\d+|n)\.lua$/.exec(file);
  if (!match) throw new Error(`Lua script ${file} is not named <name>-<numKeys>.lua`);
  const lua = readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');
  const sha = createHash('sha1').update(lua).digest('hex');
  const variadic = match[2] === 'n';
  const numKeys = variadic ? -1 : Number(match[2]);
  return {
    name: match[1]!,
    numKeys,
    async run(client, keys, args) {
      if (!variadic && keys.length !== numKeys)
        throw new Error(`${file} takes ${numKeys} keys, got ${keys.length}`);
      try {
        return await client.evalsha(sha, keys.length, ...keys, ...args);
      } catch (err) {
        // A restarted or failed-over server has an empty script cache: EVAL loads it again.
        if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
          return client.eval(lua, keys.length, ...keys, ...args);
        }
        throw err;
      }
    },
  };
}

export const cacheScripts = {
  acquire: loadScript('cache-acquire-2.lua'),
  store: loadScript('cache-store-2.lua'),
  release: loadScript('cache-release-1.lua'),
  refreshLock: loadScript('cache-refresh-lock-2.lua'),
  readMany: loadScript('cache-read-n.lua'),
  setMany: loadScript('cache-set-n.lua'),
  setManyFenced: loadScript('cache-set-fenced-n.lua'),
};
