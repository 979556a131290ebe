import { localTopologies } from './local-topologies.js';

export interface StackOptions {
  mode: 'dev' | 'start';
  /** A key of `localTopologies`; used only when no REDIS_URL / sentinels / cluster is configured. */
  topology: string;
  replicas: number;
  /** `--postgres`: the catalog in PostgreSQL (CATALOG_STORE=postgres), a local server unless DATABASE_URL is set. */
  postgres: boolean;
  help: boolean;
}

export class UsageError extends Error {}

/**
 * `pnpm dev [-- --topology replicated] [--replicas 2] [--cluster]`. pnpm forwards a literal
 * `--` in some versions, so it is ignored wherever it appears.
 */
export function parseStackArgs(mode: StackOptions['mode'], argv: string[]): StackOptions {
  const options: StackOptions = { mode, topology: 'replicated', replicas: 1, postgres: false, help: false };
  const args = argv.filter((a) => a !== '--');
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--help':
      case '-h':
        options.help = true;
        break;
      case '--topology':
        options.topology = value();
        break;
      case '--cluster':
        options.topology = 'cluster';
        break;
      case '--postgres':
        options.postgres = true;
        break;
      case '--replicas': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 0 || n > 5) throw new UsageError('--replicas must be an integer 0-5');
        options.replicas = n;
        break;
      }
      default:
        throw new UsageError(`unknown option ${arg}\n\n${usage(mode)}`);
    }
  }
  if (!localTopologies[options.topology]) {
    throw new UsageError(
      `no local "${options.topology}" topology yet; available: ${Object.keys(localTopologies).join(', ')}. ` +
        'To use a Redis you run yourself, set REDIS_URL (and REDIS_REPLICA_URLS), REDIS_SENTINELS or REDIS_CLUSTER_NODES.',
    );
  }
  return options;
}

export function usage(mode: StackOptions['mode']): string {
  const what =
    mode === 'dev'
      ? 'Runs the API (tsx watch), the worker and the Vite dev server with hot reload.'
      : 'Builds web, API and worker, then serves API + SPA on one port (PORT, default 8090) and runs the worker.';
  return [
    `pnpm ${mode} [-- options]`,
    '',
    what,
    'Without REDIS_URL / REDIS_SENTINELS / REDIS_CLUSTER_NODES it first starts its own Redis',
    '(local redis-server processes, data under .data/redis).',
    '',
    'Options:',
    ...Object.values(localTopologies).map((t) => `  --topology ${t.name.padEnd(12)} ${t.summary}`),
    '  --cluster               same as --topology cluster',
    '  --replicas N            replicas of the local master, or of each cluster master (default 1)',
    '  --postgres              the catalog in PostgreSQL (CATALOG_STORE=postgres): DATABASE_URL, or a local',
    '                          server from the system binaries with data under .data/postgres',
    '  --help                  this text',
  ].join('\n');
}
