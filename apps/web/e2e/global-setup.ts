/**
 * Builds the SPA once for every e2e file, exactly as `pnpm start` builds it (`vite build` with
 * this package's vite.config.ts: same minifiers, same CSS targets), into a temp dir so a
 * concurrent `pnpm build` is untouched. The API of each stack serves it, as `pnpm start` does.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    webDistDir: string;
  }
}

const webRoot = fileURLToPath(new URL('..', import.meta.url));

function viteBuild(outDir: string): Promise<void> {
  const vite = path.join(webRoot, 'node_modules/vite/bin/vite.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--outDir', outDir, '--emptyOutDir'], {
      cwd: webRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`vite build exited ${code}\n${output}`)),
    );
  });
}

export default async function setup(project: TestProject): Promise<() => void> {
  const distDir = mkdtempSync(path.join(tmpdir(), 'web-e2e-dist-'));
  await viteBuild(distDir);
  project.provide('webDistDir', distDir);
  return () => rmSync(distDir, { recursive: true, force: true });
}
