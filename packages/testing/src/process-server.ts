import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';
import { registerCleanup, trackChild, untrackChild } from './registry.js';
import type { RedisServer, ServerRole } from './types.js';

export const redisServerBin = process.env.REDIS_SERVER_BIN ?? 'redis-server';

export interface ProcessServerOptions {
  role: ServerRole;
  /** Extra redis-server arguments (`--name value` pairs), appended after the defaults. */
  args?: string[];
  /** Write a config file with these lines and start from it (sentinels need a writable file). */
  configLines?: string[];
  /** Start in sentinel mode. */
  sentinel?: boolean;
  /** Turn AOF on (appendfsync everysec unless args say otherwise). */
  appendonly?: boolean;
  /** A port to use instead of a free one (restart keeps the port anyway). */
  port?: number;
  /** Cluster nodes also need port + 10000 free for the bus. */
  needsBusPort?: boolean;
  /** Password for the default user (requirepass); clients made by `client()` use it. */
  password?: string;
  /**
   * Run inside a network namespace (net/hosts.ts): listen on `address` there; the test reaches
   * the server through a unix socket in its data dir, which no partition cuts.
   */
  netns?: { name: string; address: string };
}

/**
 * One local redis-server process on a free port with its own data dir. The data dir
 * survives stop/kill/restart so AOF durability can be tested across a crash; it is
 * removed when the server is cleaned up.
 */
export class ProcessRedisServer implements RedisServer {
  readonly host: string;
  readonly role: ServerRole;
  readonly port: number;
  readonly dataDir: string;
  #child: ChildProcess | undefined;
  #argv: string[];
  #paused = false;
  #clients = new Set<Redis>();
  #log: string[] = [];
  #password: string | undefined;
  #netns: string | undefined;
  #socket: string | undefined;

  private constructor(port: number, dataDir: string, argv: string[], opts: ProcessServerOptions) {
    this.host = opts.netns?.address ?? '127.0.0.1';
    this.#netns = opts.netns?.name;
    this.#socket = opts.netns ? socketPath(dataDir) : undefined;
    this.port = port;
    this.dataDir = dataDir;
    this.role = opts.role;
    this.#argv = argv;
    this.#password = opts.password;
  }

  static async start(opts: ProcessServerOptions): Promise<ProcessRedisServer> {
    const dataDir = mkdtempSync(join(tmpdir(), `redis-test-${opts.role}-`));
    for (let attempt = 0; ; attempt++) {
      const port = opts.port ?? (await freePort({ withBusPort: opts.needsBusPort }));
      const argv = buildArgv(port, dataDir, opts);
      const server = new ProcessRedisServer(port, dataDir, argv, opts);
      registerCleanup(() => server.destroy());
      try {
        await server.#spawn();
        return server;
      } catch (err) {
        await server.destroy({ keepDir: true });
        // Another process may have taken the port between the probe and the bind.
        if (attempt >= 4 || opts.port !== undefined) {
          rmSync(dataDir, { recursive: true, force: true });
          throw err;
        }
      }
    }
  }

  get url(): string {
    return this.#password
      ? `redis://:${encodeURIComponent(this.#password)}@${this.host}:${this.port}`
      : `redis://${this.host}:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  isRunning(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  isPaused(): boolean {
    return this.#paused;
  }

  /** The last lines the server printed, for error messages. */
  logTail(lines = 20): string {
    return this.#log.slice(-lines).join('\n');
  }

  client(options: Record<string, unknown> = {}): Redis {
    const client = new Redis({
      ...this.#address(),
      password: this.#password,
      lazyConnect: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      retryStrategy: (times: number) => (times > 20 ? null : 100),
      ...options,
    });
    client.on('error', () => {});
    this.#clients.add(client);
    client.once('end', () => this.#clients.delete(client));
    return client;
  }

  async stop(): Promise<void> {
    if (!this.isRunning()) return;
    if (this.#paused) this.resume();
    await this.#signalAndWait('SIGTERM', 10_000);
  }

  async kill(): Promise<void> {
    if (!this.isRunning()) return;
    await this.#signalAndWait('SIGKILL', 5_000);
    this.#paused = false;
  }

  pause(): void {
    if (!this.isRunning() || this.#paused) return;
    this.#child!.kill('SIGSTOP');
    this.#paused = true;
  }

  resume(): void {
    if (!this.isRunning() || !this.#paused) return;
    this.#child!.kill('SIGCONT');
    this.#paused = false;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.#spawn();
  }

  /** Starts the server again after stop() or kill(), same port, same data dir. */
  async start(): Promise<void> {
    if (this.isRunning()) return;
    await this.#spawn();
  }

  async destroy(opts: { keepDir?: boolean } = {}): Promise<void> {
    for (const c of this.#clients) c.disconnect();
    this.#clients.clear();
    if (this.isRunning()) {
      if (this.#paused) this.#child!.kill('SIGCONT');
      await this.#signalAndWait('SIGKILL', 5_000);
    }
    if (!opts.keepDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Where the test connects: the port, or the unix socket of a server in a namespace. */
  #address(): { path: string } | { host: string; port: number } {
    return this.#socket ? { path: this.#socket } : { host: this.host, port: this.port };
  }

  async #spawn(): Promise<void> {
    this.#log = [];
    // `ip netns exec` execs the command in place: the child's pid is redis-server's own.
    const child = this.#netns
      ? spawn('ip', ['netns', 'exec', this.#netns, redisServerBin, ...this.#argv], {
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      : spawn(redisServerBin, this.#argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#paused = false;
    trackChild(child);
    child.once('exit', () => untrackChild(child));
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line) this.#log.push(line);
      if (this.#log.length > 200) this.#log.splice(0, this.#log.length - 200);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const spawnError = new Promise<never>((_, reject) => {
      child.once('error', (err) => reject(new Error(`cannot start ${redisServerBin}: ${err.message}`)));
      child.once('exit', (code, signal) =>
        reject(new Error(`redis-server on ${this.port} exited (${code ?? signal}):\n${this.logTail()}`)),
      );
    });
    spawnError.catch(() => {});
    await Promise.race([this.#waitReady(), spawnError]);
  }

  async #waitReady(): Promise<void> {
    const deadline = Date.now() + 15_000;
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (!this.isRunning())
        throw new Error(`redis-server on ${this.port} is not running:\n${this.logTail()}`);
      const probe = new Redis({
        ...this.#address(),
        password: this.#password,
        lazyConnect: true,
        connectTimeout: 500,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on('error', () => {});
      try {
        await probe.connect();
        const pong = await probe.ping();
        if (pong === 'PONG') return;
      } catch (err) {
        lastError = err;
      } finally {
        probe.disconnect();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server on ${this.port} not ready: ${String(lastError)}\n${this.logTail()}`);
  }

  async #signalAndWait(signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
    if ((await Promise.race([exited, timer])) === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  }
}

function buildArgv(port: number, dataDir: string, opts: ProcessServerOptions): string[] {
  const listen = opts.netns
    ? [
        '--bind',
        `${opts.netns.address} 127.0.0.1`,
        '--unixsocket',
        socketPath(dataDir),
        '--unixsocketperm',
        '700',
      ]
    : ['--bind', '127.0.0.1'];
  const base = [
    '--port',
    String(port),
    ...listen,
    '--dir',
    dataDir,
    '--daemonize',
    'no',
    '--protected-mode',
    'no',
    '--logfile',
    '',
  ];
  if (opts.sentinel) {
    const conf = join(dataDir, 'sentinel.conf');
    writeConfig(conf, opts.configLines ?? []);
    return [conf, '--sentinel', ...base, ...(opts.args ?? [])];
  }
  const persistence = opts.appendonly
    ? ['--appendonly', 'yes', '--appendfsync', 'everysec']
    : ['--appendonly', 'no', '--save', ''];
  const auth = opts.password ? ['--requirepass', opts.password, '--masterauth', opts.password] : [];
  const lead: string[] = [];
  if (opts.configLines?.length) {
    const conf = join(dataDir, 'redis.conf');
    writeConfig(conf, opts.configLines);
    lead.push(conf);
  }
  return [...lead, ...base, ...persistence, ...auth, ...(opts.args ?? [])];
}

function socketPath(dataDir: string): string {
  return join(dataDir, 'redis.sock');
}

function writeConfig(path: string, lines: string[]): void {
  writeFileSync(path, `${lines.join('\n')}\n`);
}
