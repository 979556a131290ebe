import { join } from 'node:path';
import { bundleApp } from '../../../infra/build/bundle.js';
import { benchRoot, type Child, forkChild } from './child.js';

const bundles = new Map<string, Promise<string>>();

/**
 * The worker as one esbuild bundle on plain Node, as `pnpm start` runs the API (infra/build,
 * the same bundler and settings): the HTTP servers are measured as they ship, not through tsx,
 * whose keepNames transform wraps every named closure a request creates in a defineProperty
 * call. Built once per run into bench/.bundle/<worker>/ (git-ignored); every server of a comparison runs
 * this way, ours and the baselines alike.
 */
export async function startBundledChild(
  script: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<Child> {
  let built = bundles.get(script);
  if (!built) {
    const outfile = join('.bundle', script.replace(/\.ts$/, ''), 'index.js');
    built = bundleApp({ appDir: benchRoot, entry: `src/workers/${script}`, outfile }).then(() =>
      join(benchRoot, outfile),
    );
    bundles.set(script, built);
  }
  return forkChild(script, await built, nodeArgs, env);
}
