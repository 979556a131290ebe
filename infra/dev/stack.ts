import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pc from 'picocolors';
import { type AppExit, AppProcess, type AppSpec, prefixer } from './app-process.js';
import { printBanner } from './banner.js';
import { externalRedisFrom } from './external-redis.js';
import { choosePostgres, type PostgresChoice, PostgresMissingError } from './local-postgres.js';
import { type LocalRedis, localTopologies } from './local-topologies.js';
import { isPortFree, pickPort, portRange } from './ports.js';
import { redisServerMissingMessage, redisServerVersion } from './redis-process.js';
import type { StackOptions } from './stack-options.js';
import { waitForHttp } from './wait-http.js';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const say = prefixer('stack', pc.yellow, process.stdout);

/** Which Redis the apps use and what the banner says about it. */
interface RedisChoice {
  env: Record<string, string>;
  description: string;
  tryCommands: string[];
  local?: LocalRedis;
}

async function chooseRedis(options: StackOptions): Promise<RedisChoice> {
  const external = externalRedisFrom(process.env);
  if (external) return { env: {}, ...external };
  if (!redisServerVersion().ok) throw new StackError(redisServerMissingMessage());
  const topology = localTopologies[options.topology]!;
  const dataRoot = join(repoRoot, '.data', 'redis');
  say(`starting local Redis (${topology.name}) with data under .data/redis …`);
  const local = await topology.start({ dataRoot, replicas: options.replicas });
  const nodes = local.nodes.map((n) => `${n.name} 127.0.0.1:${n.port}`).join(', ');
  return { env: local.env, description: `${topology.name}: ${nodes}`, tryCommands: local.tryCommands, local };
}

/** A failure to report as a message (no stack trace), then exit 1. */
export class StackError extends Error {}

async function portFor(
  variable: 'PORT' | 'WEB_PORT',
  preferred: number[],
  taken: Set<number>,
): Promise<number> {
  const fixed = process.env[variable]?.trim();
  if (fixed) {
    const port = Number(fixed);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new StackError(`${variable}: must be a port number`);
    if (!(await isPortFree(port)))
      throw new StackError(`${variable}=${port} is already in use; choose another port`);
    taken.add(port);
    return port;
  }
  const port = await pickPort(preferred, taken);
  taken.add(port);
  return port;
}

function appSpecs(
  mode: StackOptions['mode'],
  env: NodeJS.ProcessEnv,
  apiPort: number,
  webPort: number,
): AppSpec[] {
  const node = process.execPath;
  const app = (name: string) => join(repoRoot, 'apps', name);
  if (mode === 'start') {
    const production = { ...env, NODE_ENV: 'production' };
    return [
      {
        name: 'api',
        color: pc.cyan,
        command: node,
        args: ['--enable-source-maps', 'dist/index.js'],
        cwd: app('api'),
        env: { ...production, PORT: String(apiPort), WEB_DIST_DIR: join(app('web'), 'dist') },
      },
      {
        name: 'worker',
        color: pc.magenta,
        command: node,
        args: ['--enable-source-maps', 'dist/index.js'],
        cwd: app('worker'),
        env: production,
      },
    ];
  }
  const tsx = join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const vite = join(app('web'), 'node_modules', 'vite', 'bin', 'vite.js');
  const development = { ...env, NODE_ENV: 'development' };
  const watch = ['watch', '--clear-screen=false', 'src/index.ts'];
  return [
    {
      name: 'api',
      color: pc.cyan,
      command: node,
      args: [tsx, ...watch],
      cwd: app('api'),
      env: { ...development, PORT: String(apiPort) },
    },
    {
      name: 'worker',
      color: pc.magenta,
      command: node,
      args: [tsx, ...watch],
      cwd: app('worker'),
      env: development,
    },
    {
      name: 'web',
      color: pc.green,
      command: node,
      args: [vite, '--port', String(webPort), '--strictPort'],
      cwd: app('web'),
      env: { ...development, API_PORT: String(apiPort), WEB_PORT: String(webPort) },
    },
  ];
}

/**
 * Runs the whole stack until SIGINT/SIGTERM/SIGHUP or until an app dies, then stops the apps
 * (their own graceful shutdown first) and after them the Redis (and PostgreSQL) servers it started. Resolves
 * with the exit code.
 */
export async function runStack(options: StackOptions): Promise<number> {
  let redis: RedisChoice | undefined;
  let postgres: PostgresChoice | undefined;
  const apps: AppProcess[] = [];
  let stopping: Promise<void> | undefined;
  let exitCode = 0;

  const stopAll = () => {
    stopping ??= (async () => {
      if (apps.length === 0 && !redis?.local && !postgres?.local) return;
      say('stopping …');
      await Promise.all(apps.map((a) => a.stop()));
      await redis?.local?.stop();
      await postgres?.local?.stop();
      say('stopped: every process this command started has exited');
    })();
    return stopping;
  };
  // Last resort when the orchestrator itself dies on an unexpected error.
  const killNow = () => {
    for (const a of apps) a.killNow();
    redis?.local?.killNow();
    postgres?.local?.killSync();
  };
  process.once('exit', killNow);

  let received: NodeJS.Signals | undefined;
  let signalled: (signal: NodeJS.Signals) => void = () => {};
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    signalled = resolve;
  });
  const onSignal = (s: NodeJS.Signals) => {
    received ??= s;
    signalled(s);
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);
  // `kill <pnpm pid>` ends pnpm and its shell but signals nothing below them: when our parent
  // goes away (we get re-parented), stop as if told to, rather than run on unattended.
  const parentPid = process.ppid;
  const parentWatch = setInterval(() => {
    if (process.ppid !== parentPid) {
      clearInterval(parentWatch);
      say('the command that started this stack has exited');
      onSignal('SIGHUP');
    }
  }, 500);
  parentWatch.unref();

  try {
    // Not raced with the signal: a half-started topology must be known to be stopped.
    redis = await chooseRedis(options);
    if (received) return 0;

    const taken = new Set(redis.local?.nodes.map((n) => n.port) ?? []);
    if (options.postgres) {
      if (!process.env.DATABASE_URL?.trim())
        say('starting local PostgreSQL with data under .data/postgres …');
      postgres = await choosePostgres(repoRoot, taken).catch((err: Error) => {
        throw err instanceof PostgresMissingError ? new StackError(err.message) : err;
      });
      if (received) return 0;
    }
    const apiPort = await portFor('PORT', portRange(8090, 10), taken);
    const webPort = options.mode === 'dev' ? await portFor('WEB_PORT', portRange(5173, 10), taken) : apiPort;
    const generatedToken = !process.env.ADMIN_TOKEN?.trim();
    const adminToken = generatedToken ? randomBytes(16).toString('hex') : process.env.ADMIN_TOKEN!.trim();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...redis.env,
      ...postgres?.env,
      ADMIN_TOKEN: adminToken,
    };

    for (const spec of appSpecs(options.mode, env, apiPort, webPort)) apps.push(new AppProcess(spec));
    const firstExit = Promise.race(apps.map((a) => a.exited));

    const url = `http://127.0.0.1:${webPort}/`;
    const ready = Promise.all([
      waitForHttp(`http://127.0.0.1:${apiPort}/readyz`, { timeoutMs: 120_000 }),
      options.mode === 'dev' ? waitForHttp(url, { timeoutMs: 120_000 }) : Promise.resolve(),
    ]);
    const first = await Promise.race([
      ready.then(() => ({ kind: 'ready' as const })),
      firstExit.then((exit) => ({ kind: 'exit' as const, exit })),
      signal.then(() => ({ kind: 'signal' as const })),
    ]).catch((err: Error) => ({ kind: 'timeout' as const, err }));

    if (first.kind === 'exit') throw new StackError(describeExit(first.exit));
    if (first.kind === 'timeout') {
      if (options.mode === 'start') throw new StackError(first.err.message);
      // In dev the code may simply not compile yet: keep watching so a save can fix it.
      say(pc.red(`${first.err.message}; still watching for changes`));
    }
    if (first.kind !== 'signal') {
      printBanner({
        mode: options.mode,
        url,
        adminToken,
        generatedToken,
        redis: redis.description,
        tryCommands: redis.tryCommands,
        ...(postgres
          ? { postgres: { description: postgres.description, tryCommands: postgres.tryCommands } }
          : {}),
        apiPort,
      });
      const end = await Promise.race([firstExit.then((exit) => ({ exit })), signal.then(() => null)]);
      if (end) {
        say(pc.red(describeExit(end.exit)));
        exitCode = 1;
      }
    }
  } catch (err) {
    const message = err instanceof StackError ? err.message : String((err as Error).stack ?? err);
    process.stderr.write(`\n${pc.red(message)}\n\n`);
    exitCode = 1;
  } finally {
    await stopAll();
    clearInterval(parentWatch);
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, onSignal);
    process.off('exit', killNow);
  }
  return exitCode;
}

function describeExit(exit: AppExit): string {
  return `${exit.name} exited (${exit.signal ?? `code ${exit.code}`}); stopping the stack`;
}
