import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Cluster, Redis } from 'ioredis';

type Client = Redis | Cluster;
type ScriptArg = string | number | Buffer;

/** A catalog Lua script from `<name>-<numKeys>.lua` beside this file, run with EVALSHA (EVAL on NOSCRIPT). */
export interface CatalogScript {
  readonly file: string;
  run(client: Client, keys: string[], args: ScriptArg[]): Promise<unknown>;
  /**
   * Many calls in pipelines of `batchSize` (bulk loads). All keys of one catalog share a slot,
   * so a pipeline is valid in cluster mode too. Results are in call order; a failed call holds
   * its Error.
   */
  runMany(
    client: Client,
    calls: { keys: string[]; args: ScriptArg[] }[],
    batchSize?: number,
  ): Promise<unknown[]>;
}

const isNoScript = (err: unknown) => err instanceof Error && err.message.startsWith('NOSCRIPT');

function loadScript(url: URL): CatalogScript {
  const file = basename(url.pathname);
  const match = /^(.+)-(\d+)\.lua$/.exec(file);
  if (!match) throw new Error(`Lua script ${file} is not named <name>-<numKeys>.lua`);
  const numKeys = Number(match[2]);
  const lua = readFileSync(url, 'utf8');
  const sha = createHash('sha1').update(lua).digest('hex');
  const checkKeys = (keys: string[]) => {
    if (keys.length !== numKeys) throw new Error(`${file} takes ${numKeys} keys, got ${keys.length}`);
  };

  const run: CatalogScript['run'] = async (client, keys, args) => {
    checkKeys(keys);
    try {
      return await client.evalsha(sha, numKeys, ...keys, ...args);
    } catch (err) {
      // A restarted or failed-over server has an empty script cache: EVAL loads it again.
      if (isNoScript(err)) return client.eval(lua, numKeys, ...keys, ...args);
      throw err;
    }
  };

  return {
    file,
    run,
    async runMany(client, calls, batchSize = 500) {
      const results: unknown[] = [];
      for (let start = 0; start < calls.length; start += batchSize) {
        const batch = calls.slice(start, start + batchSize);
        const pipeline = client.pipeline();
        batch.forEach((call, i) => {
          checkKeys(call.keys);
          // EVAL first loads the script on the node that owns the catalog's slot; the
          // EVALSHAs queued behind it on the same connection then find it cached.
          if (i === 0) pipeline.eval(lua, numKeys, ...call.keys, ...call.args);
          else pipeline.evalsha(sha, numKeys, ...call.keys, ...call.args);
        });
        const replies = (await pipeline.exec()) ?? [];
        for (let i = 0; i < batch.length; i++) {
          const [err, reply] = replies[i] ?? [new Error('no reply from pipeline'), null];
          const call = batch[i];
          // Only a server restart in the middle of the batch can flush the script cache.
          if (isNoScript(err) && call)
            results.push(await run(client, call.keys, call.args).catch((e: unknown) => e));
          else results.push(err ?? reply);
        }
      }
      return results;
    },
  };
}

// Literal URLs: the production bundler (infra/build) rewrites each to a copied asset.
export const catalogScripts = {
  save: loadScript(new URL('./save-12.lua', import.meta.url)),
  remove: loadScript(new URL('./remove-9.lua', import.meta.url)),
};
