import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Loader, Plugin } from 'esbuild';

/**
 * Workspace packages read files next to their source at run time, e.g. @app/redis-core's Lua
 * scripts: `readFileSync(new URL('./lua/x.lua', import.meta.url))`. Once bundled, import.meta.url
 * is the bundle's, so each such URL is rewritten to `./assets/<path from repo root>` and the
 * file (or folder) is copied there. The bundle then works wherever dist/ goes, source or not.
 *
 * Handled: `new URL('<./ or ../ path>', import.meta.url)`, with a file or a folder (ending in
 * `/`), and template literals whose static start is a folder: new URL(`./lua/${name}.lua`, …).
 */
const STRING_URL = /new URL\(\s*(['"])(\.{1,2}\/[^'"\n]*)\1\s*,\s*import\.meta\.url\s*\)/g;
const TEMPLATE_URL = /new URL\(\s*`(\.{1,2}\/[^`$\n]*\/)\$\{/g;
/** Every `new URL('./…' or `./…`, import.meta.url)`: after the rewrite, each must point into assets/. */
const ANY_URL = /new URL\(\s*(['"`]\.{1,2}\/[^,()]*?)\s*,\s*import\.meta\.url\s*\)/g;
const REWRITTEN = /^['"`]\.\/assets\//;

export interface WorkspaceAssetsOptions {
  repoRoot: string;
  /** The app being bundled: its own files are left alone (their paths are about the app). */
  appDir: string;
  outdir: string;
}

export function workspaceAssets(opts: WorkspaceAssetsOptions): Plugin {
  const repoRoot = resolve(opts.repoRoot);
  const appDir = resolve(opts.appDir);
  const inScope = (file: string) =>
    file.startsWith(repoRoot + sep) &&
    !file.startsWith(appDir + sep) &&
    !file.split(sep).includes('node_modules');

  return {
    name: 'workspace-assets',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, (args) => {
        if (!inScope(args.path)) return undefined;
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const copy = (relativeRef: string): string | null => {
          const target = resolve(dirname(args.path), relativeRef);
          if (!existsSync(target)) return null;
          const assetPath = `assets/${relative(repoRoot, target).split(sep).join('/')}`;
          const destination = join(opts.outdir, assetPath);
          mkdirSync(dirname(destination), { recursive: true });
          cpSync(target, destination, { recursive: statSync(target).isDirectory() });
          return `./${assetPath}${relativeRef.endsWith('/') ? '/' : ''}`;
        };
        const contents = source
          .replace(STRING_URL, (whole, quote: string, ref: string) => {
            const rewritten = copy(ref);
            return rewritten ? `new URL(${quote}${rewritten}${quote}, import.meta.url)` : whole;
          })
          .replace(TEMPLATE_URL, (whole, folder: string) => {
            const rewritten = copy(folder);
            return rewritten ? `new URL(\`${rewritten}\${` : whole;
          });
        // A URL left as it was would point next to the bundle at run time, where nothing is:
        // fail the build rather than the first request (a computed name like `./${file}` can't
        // be followed; name the file or its folder literally).
        const missed = [...contents.matchAll(ANY_URL)].filter((m) => !REWRITTEN.test(m[1] ?? ''));
        if (missed.length > 0) {
          return {
            errors: missed.map((m) => ({
              text: `new URL(${m[1]}, import.meta.url) names no file or folder the bundle can copy: use a literal './path' (or a folder and \`./dir/\${name}\`)`,
            })),
          };
        }
        if (contents === source) return undefined;
        const ext = args.path.slice(args.path.lastIndexOf('.') + 1);
        const loader: Loader = ext === 'tsx' || ext === 'jsx' ? ext : ext.endsWith('ts') ? 'ts' : 'js';
        return { contents, loader, resolveDir: dirname(args.path) };
      });
    },
  };
}
