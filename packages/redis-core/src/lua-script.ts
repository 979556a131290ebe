import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Cluster, Redis } from 'ioredis';

type Client = Redis | Cluster;

/**
 * A Lua script file `<name>-<numKeys>.lua` beside the module that runs it, run with EVALSHA
 * (EVAL once on NOSCRIPT).
 * `<name>-n.lua` takes any number of keys (batched reads).
 */
export interface LuaScript {
  readonly name: string;
  readonly numKeys: number;
  run(client: Client, keys: string[], args: (string | number)[]): Promise<unknown>;
}

export function loadScript(url: URL): LuaScript {
  const file = basename(url.pathname);
  const match = /^(.+)-(\d+|n)\.lua$/.exec(file);
  if (!match) throw new Error(`Lua script ${file} is not named <name>-<numKeys>.lua`);
  const lua = readFileSync(url, 'utf8');
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
