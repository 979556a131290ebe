import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot, runStack } from './stack.js';
import { parseStackArgs, UsageError, usage } from './stack-options.js';

// `pnpm start`: production bundles (turbo build), then API + SPA on one port and the worker.
try {
  const options = parseStackArgs('start', process.argv.slice(2));
  if (options.help) {
    console.log(usage('start'));
  } else {
    const turbo = join(repoRoot, 'node_modules', '.bin', 'turbo');
    const filters = ['@app/web', '@app/api', '@app/worker'].map((f) => `--filter=${f}`);
    const build = spawnSync(turbo, ['run', 'build', ...filters], { cwd: repoRoot, stdio: 'inherit' });
    if (build.status !== 0) {
      console.error(`build failed (${build.error?.message ?? `exit ${build.status ?? build.signal}`})`);
      process.exit(1);
    }
    process.exit(await runStack(options));
  }
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(err.message);
  process.exitCode = 2;
}
