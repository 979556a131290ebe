import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

/**
 * Writes what a scenario measured to results/<name>.json (git-ignored) and prints it, so a
 * run leaves its numbers behind for docs/reliability.md.
 */
export function recordResult(name: string, measured: Record<string, unknown>): void {
  mkdirSync(resultsDir, { recursive: true });
  const data = { scenario: name, at: new Date().toISOString(), ...measured };
  writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(data, null, 2)}\n`);
  console.log(`[faults] ${name}: ${JSON.stringify(measured)}`);
}
