import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { type ProcessGroup, signalGroup, stopGroup } from './process-group.js';
import { stopStaleServer } from './stale-server.js';

export const defaultRedisServerBin = process.env.REDIS_SERVER_BIN ?? 'redis-server';

export interface RedisProcessOptions {
  /** Shown in messages: `master`, `replica-1`… */
  name: string;
  port: number;
  /** Holds the AOF/RDB files, `redis.log` and `redis.pid`; created when missing. */
  dataDir: string;
  /** A redis.conf to start from; the command-line arguments below win over it. */
  configFile?: string;
  /** Extra `--name value` arguments, after the defaults (so they can override them). */
  args?: string[];
  /** Address to bind (default 127.0.0.1: a dev server is never reachable from outside). */
  bind?: string;
  bin?: string;
  /** How long to wait for the first reply (an AOF being loaded answers -LOADING meanwhile). */
  readyTimeoutMs?: number;
}

/**
 * One redis-server process in its own process group, so a Ctrl-C in the terminal reaches the
 * orchestrator (which stops the apps first, then Redis) rather than every process at once.
 * The log goes to `<dataDir>/redis.log`; startup errors printed before the log opens are kept.
 */
export class RedisProcess implements ProcessGroup {
  readonly name: string;
  readonly port: number;
  readonly host = '127.0.0.1';
  readonly dataDir: string;
  readonly logFile: string;
  readonly pidFile: string;
  #child: ChildProcess;
  #early: string[] = [];

  private constructor(opts: RedisProcessOptions, child: ChildProcess) {
    this.name = opts.name;
    this.port = opts.port;
    this.dataDir = opts.dataDir;
    this.logFile = join(opts.dataDir, 'redis.log');
    this.pidFile = join(opts.dataDir, 'redis.pid');
    this.#child = child;
    const keep = (chunk: Buffer) => {
      this.#early.push(...chunk.toString().split('\n').filter(Boolean));
      if (this.#early.length > 50) this.#early.splice(0, this.#early.length - 50);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static async start(opts: RedisProcessOptions): Promise<RedisProcess> {
    const dataDir = resolve(opts.dataDir);
    mkdirSync(dataDir, { recursive: true });
    await stopStaleServer({
      pidFile: join(dataDir, 'redis.pid'),
      command: 'redis-server',
      signal: 'SIGTERM',
      timeoutMs: 10_000,
    });
    const argv = [
      ...(opts.configFile ? [resolve(opts.configFile)] : []),
      '--port',
      String(opts.port),
      '--bind',
      opts.bind ?? '127.0.0.1',
      '--dir',
      dataDir,
      '--daemonize',
      'no',
      '--pidfile',
      join(dataDir, 'redis.pid'),
      '--logfile',
      join(dataDir, 'redis.log'),
      ...(opts.args ?? []),
    ];
    const bin = opts.bin ?? defaultRedisServerBin;
    const child = spawn(bin, argv, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new RedisProcess({ ...opts, dataDir }, child);
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (err) => reject(new Error(`cannot start ${bin}: ${err.message}`)));
      child.once('exit', (code, signal) =>
        reject(
          new Error(
            `redis-server ${opts.name} (port ${opts.port}) exited (${code ?? signal}):\n${server.logTail()}`,
          ),
        ),
      );
    });
    failed.catch(() => {});
    try {
      await Promise.race([waitForRedis(opts.port, opts.readyTimeoutMs ?? 30_000), failed]);
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get url(): string {
    return `redis://${this.host}:${this.port}`;
  }

  isRunning(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** The last lines of the server's log (or what it printed before the log opened). */
  logTail(lines = 15): string {
    let text: string[] = [];
    try {
      text = readFileSync(this.logFile, 'utf8').split('\n').filter(Boolean);
    } catch {
      // no log yet
    }
    return [...this.#early, ...text].slice(-lines).join('\n');
  }

  /**
   * SIGTERM: Redis fsyncs the AOF (and writes the RDB when `save` is set) and exits. The whole
   * group is signalled so a forked BGSAVE/AOF-rewrite child goes too; SIGKILL after the timeout.
   */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.#child.pid !== undefined) await stopGroup(this.#child.pid, timeoutMs);
  }

  /** Synchronous last resort for `process.on('exit')`. */
  killNow(): void {
    if (this.#child.pid !== undefined) signalGroup(this.#child.pid, 'SIGKILL');
  }
}

/**
 * Resolves once the server answers a PING with anything but -LOADING: `+PONG`, or `-NOAUTH`
 * when its default user needs a password (a server with ACLs is up, it just won't talk to us).
 */
export async function waitForRedis(port: number, timeoutMs: number, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    last = await pingOnce(host, port).catch((err: Error) => err.message);
    if (/^\+PONG|^-NOAUTH|^-NOPERM|^-WRONGPASS/.test(last)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `Redis on ${host}:${port} did not become ready in ${timeoutMs} ms (last answer: ${last.trim()})`,
  );
}

function pingOnce(host: string, port: number): Promise<string> {
  return new Promise((resolvePing, reject) => {
    const socket = connect({ host, port });
    let answer = '';
    const done = (err?: Error) => {
      socket.destroy();
      if (err) reject(err);
      else resolvePing(answer);
    };
    socket.setTimeout(1_000, () => done(new Error('timeout')));
    socket.once('error', done);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) done();
    });
  });
}

/** `{ ok: true, version }` when the binary runs, else `{ ok: false }`. */
export function redisServerVersion(
  bin = defaultRedisServerBin,
): { ok: true; version: string } | { ok: false } {
  const result = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return { ok: false };
  const version = /v=(\d+\.\d+\.\d+)/.exec(result.stdout)?.[1] ?? 'unknown';
  return { ok: true, version };
}

export function redisServerMissingMessage(bin = defaultRedisServerBin): string {
  return [
    `\`${bin}\` was not found. The dev stack starts its own Redis master and replica from it.`,
    '',
    'Install Redis (7 or newer), then run the command again:',
    '  Debian/Ubuntu:  sudo apt-get install redis-server',
    '  macOS:          brew install redis',
    '',
    'Or run the whole stack in Docker instead:',
    '  docker compose -f infra/docker-compose.yml up',
    '',
    'Or point the apps at a Redis you already run:',
    '  REDIS_URL=redis://127.0.0.1:6379 pnpm dev',
  ].join('\n');
}
