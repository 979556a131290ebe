import { runStack } from './stack.js';
import { parseStackArgs, UsageError, usage } from './stack-options.js';

// `pnpm dev`: the whole stack with hot reload (see stack.ts).
try {
  const options = parseStackArgs('dev', process.argv.slice(2));
  if (options.help) {
    console.log(usage('dev'));
  } else {
    // Everything started has been stopped by now; exit even if a stray handle lingers.
    process.exit(await runStack(options));
  }
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(err.message);
  process.exitCode = 2;
}
