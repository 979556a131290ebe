import { readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { workspaceAssets } from './workspace-assets.js';

export interface BundleOptions {
  /** The app's directory (holds its package.json); entry and outfile are relative to it. */
  appDir: string;
  entry: string;
  outfile: string;
  /** Monorepo root: files under it (outside node_modules and the app) may reference assets. */
  repoRoot?: string;
}

const defaultRepoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * CommonJS dependencies bundled into an ESM file still call `require`, `__dirname` and
 * `__filename`; give them the ESM equivalents, anchored at the bundle itself.
 */
const cjsShim = [
  "import { createRequire as __bundleCreateRequire } from 'node:module';",
  "import { fileURLToPath as __bundleFileURLToPath } from 'node:url';",
  "import { dirname as __bundleDirname } from 'node:path';",
  'const require = __bundleCreateRequire(import.meta.url);',
  'const __filename = __bundleFileURLToPath(import.meta.url);',
  'const __dirname = __bundleDirname(__filename);',
].join('\n');

/**
 * The third-party packages the app declares itself stay external: pnpm links exactly those
 * into the app's node_modules, so Node finds them next to dist/ (and a `pnpm install --prod`
 * image has them). Workspace packages (`workspace:*`) are bundled, and so is whatever they
 * pull in that the app does not declare, since pnpm would not let the app resolve it.
 */
export function externalsOf(appDir: string): string[] {
  const pkg = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const declared = Object.entries(pkg.dependencies ?? {})
    .filter(([, version]) => !version.startsWith('workspace:'))
    .map(([name]) => name);
  const builtins = builtinModules.flatMap((m) => [m, `node:${m}`]);
  return [...declared.flatMap((name) => [name, `${name}/*`]), ...builtins];
}

/** One ESM file for Node 20 (+ its source map and any assets it reads at run time). */
export async function bundleApp(opts: BundleOptions): Promise<Metafile> {
  const appDir = resolve(opts.appDir);
  const outfile = resolve(appDir, opts.outfile);
  const outdir = dirname(outfile);
  // Stale assets of an earlier build must not linger next to the new bundle.
  rmSync(join(outdir, 'assets'), { recursive: true, force: true });
  const result = await build({
    entryPoints: [resolve(appDir, opts.entry)],
    outfile,
    absWorkingDir: appDir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
    external: externalsOf(appDir),
    banner: { js: cjsShim },
    plugins: [workspaceAssets({ repoRoot: resolve(opts.repoRoot ?? defaultRepoRoot), appDir, outdir })],
  });
  return result.metafile;
}

// CLI: run from an app's directory, `tsx ../../infra/build/bundle.ts src/index.ts dist/index.js`.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [entry, outfile] = process.argv.slice(2);
  if (!entry || !outfile) {
    console.error('usage: tsx infra/build/bundle.ts <entry.ts> <outfile.js>   (from the app directory)');
    process.exit(2);
  }
  const started = Date.now();
  try {
    const meta = await bundleApp({ appDir: process.cwd(), entry, outfile });
    const bytes = Object.values(meta.outputs).reduce((n, o) => n + o.bytes, 0);
    console.log(
      `bundled ${entry} → ${outfile} (${Math.round(bytes / 1024)} KiB with map) in ${Date.now() - started} ms`,
    );
  } catch {
    // esbuild has printed the errors already.
    process.exit(1);
  }
}
