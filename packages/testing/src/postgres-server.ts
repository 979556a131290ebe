import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';
import { postgresBin } from './postgres-binaries.js';
import { registerCleanup } from './registry.js';

const execFileAsync = promisify(execFile);

export interface StartPostgresOptions {
  /** Extra `-c name=value` server settings, after the defaults (wal_level=logical…). */
  settings?: Record<string, string | number>;
  /** A port to use instead of a free one (restart keeps the port anyway). */
  port?: number;
  /**
   * Where the cluster lives. Default: a fresh temp dir removed by destroy(). A given dir is
   * initialised when empty, reused otherwise, and never removed (pnpm dev keeps .data/postgres).
   */
  baseDir?: string;
  /** The unprivileged account that runs the server when this process is root. Default 'postgres'. */
  runAs?: string;
  /**
   * Where initdb and postgres are. Default: postgresBinDir() (POSTGRES_BIN_DIR, Debian's layout,
   * PATH). A dir without pg_isready (an npm package's binaries) is waited on through the status
   * line of postmaster.pid instead; psql() then takes the system's psql.
   */
  binDir?: string;
}

// Postmasters still alive; killed synchronously if the test process exits without cleanup.
const live = new Set<PostgresServer>();
process.once('exit', () => {
  for (const server of live) server.killSync();
});

/**
 * A PostgreSQL server of the test's own: `initdb` in a temp dir, `wal_level=logical`, a free
 * port on 127.0.0.1, trust authentication for the `postgres` role. PostgreSQL refuses to run
 * as root, so as root the server runs as `runAs` through `runuser` and its data dir belongs to
 * that account. Signals go to the postmaster itself (its pid from postmaster.pid), because
 * runuser forks and cannot forward SIGKILL.
 */
export class PostgresServer {
  readonly host = '127.0.0.1';
  readonly port: number;
  readonly baseDir: string;
  readonly dataDir: string;
  #ownsDir: boolean;
  #settings: string[];
  #runAs: string | undefined;
  #binDir: string | undefined;
  #child: ChildProcess | undefined;
  #postmasterPid: number | undefined;
  #log: string[] = [];

  private constructor(port: number, baseDir: string, ownsDir: boolean, opts: StartPostgresOptions) {
    this.port = port;
    this.baseDir = baseDir;
    this.dataDir = join(baseDir, 'data');
    this.#ownsDir = ownsDir;
    this.#runAs = process.getuid?.() === 0 ? (opts.runAs ?? 'postgres') : undefined;
    this.#binDir = opts.binDir;
    const settings: Record<string, string | number> = {
      listen_addresses: '127.0.0.1',
      wal_level: 'logical',
      max_replication_slots: 10,
      max_wal_senders: 10,
      max_connections: 60,
      shared_buffers: '32MB',
      // A process crash (the faults we inject) loses nothing with fsync off; only an OS crash would.
      fsync: 'off',
      ...opts.settings,
    };
    this.#settings = Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  }

  static async start(opts: StartPostgresOptions = {}): Promise<PostgresServer> {
    const ownsDir = opts.baseDir === undefined;
    const baseDir = opts.baseDir ?? mkdtempSync(join(tmpdir(), 'pg-test-'));
    for (let attempt = 0; ; attempt++) {
      const port = opts.port ?? (await freePort());
      const server = new PostgresServer(port, baseDir, ownsDir, opts);
      const unregister = registerCleanup(() => server.destroy());
      try {
        server.#initdb();
        await server.#spawn();
        return server;
      } catch (err) {
        unregister();
        await server.destroy({ keepDir: true });
        // Another process may have taken the port between the probe and the bind.
        if (
          attempt >= 3 ||
          opts.port !== undefined ||
          !/could not bind|address already in use/i.test(String(err))
        ) {
          if (ownsDir) rmSync(baseDir, { recursive: true, force: true });
          throw err;
        }
      }
    }
  }

  /** Connection URL for the `postgres` database (or another one on this server). */
  url(database = 'postgres'): string {
    return `postgres://postgres@${this.host}:${this.port}/${database}`;
  }

  get pid(): number | undefined {
    return this.#postmasterPid;
  }

  isRunning(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  logTail(lines = 20): string {
    return this.#log.slice(-lines).join('\n');
  }

  /** Runs SQL through the psql binary, as an operator would; returns its unaligned output. */
  async psql(sql: string, database = 'postgres'): Promise<string> {
    const own = this.#bin('psql');
    const { stdout } = await execFileAsync(
      existsSync(own) ? own : postgresBin('psql'),
      [
        '-X',
        '-q',
        '-At',
        '-v',
        'ON_ERROR_STOP=1',
        '-h',
        this.host,
        '-p',
        String(this.port),
        '-U',
        'postgres',
        '-d',
        database,
        '-c',
        sql,
      ],
      { timeout: 30_000 },
    );
    return stdout.trim();
  }

  /** Creates a database and returns its URL (a test's own schema without a second server). */
  async createDatabase(name: string): Promise<string> {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bad database name: ${name}`);
    await this.psql(`CREATE DATABASE ${name}`);
    return this.url(name);
  }

  /** Fast shutdown (SIGINT): sessions are cut, a shutdown checkpoint is written. */
  async stop(): Promise<void> {
    await this.#signalAndWait('SIGINT', 15_000);
  }

  /** SIGKILL to the postmaster: a crash; the next start runs crash recovery. */
  async kill(): Promise<void> {
    await this.#signalAndWait('SIGKILL', 5_000);
  }

  /** Starts again after stop() or kill(): same port, same data. */
  async start(): Promise<void> {
    if (this.isRunning()) return;
    // After a SIGKILL the old backends notice the postmaster's death and exit within a moment;
    // until then the new postmaster refuses their shared memory block, so retry briefly.
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        await this.#spawn();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async destroy(opts: { keepDir?: boolean } = {}): Promise<void> {
    await this.#signalAndWait('SIGKILL', 5_000);
    live.delete(this);
    if (!opts.keepDir && this.#ownsDir) rmSync(this.baseDir, { recursive: true, force: true });
  }

  /** Last-resort kill from a process 'exit' handler (no awaiting possible there). */
  killSync(): void {
    for (const pid of [this.#postmasterPid ?? this.#pidFromFile(), this.#child?.pid]) {
      if (pid === undefined) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (this.#ownsDir) rmSync(this.baseDir, { recursive: true, force: true });
  }

  /** Path of one binary of this server's PostgreSQL (bare name when taken from PATH). */
  #bin(name: string): string {
    return this.#binDir ? join(this.#binDir, name) : postgresBin(name);
  }

  #asUser(bin: string, args: string[]): [string, string[]] {
    return this.#runAs ? ['runuser', ['-u', this.#runAs, '--', bin, ...args]] : [bin, args];
  }

  #initdb(): void {
    if (existsSync(join(this.dataDir, 'PG_VERSION'))) return;
    mkdirSync(this.baseDir, { recursive: true });
    if (this.#runAs) {
      const uid = Number(execFileSync('id', ['-u', this.#runAs]).toString().trim());
      const gid = Number(execFileSync('id', ['-g', this.#runAs]).toString().trim());
      chownSync(this.baseDir, uid, gid);
    }
    const [cmd, args] = this.#asUser(this.#bin('initdb'), [
      '-D',
      this.dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    try {
      execFileSync(cmd, args, { stdio: 'pipe', timeout: 120_000 });
    } catch (err) {
      const e = err as { stderr?: Buffer; message: string };
      throw new Error(`initdb failed in ${this.dataDir}: ${e.stderr?.toString() || e.message}`);
    }
  }

  async #spawn(): Promise<void> {
    this.#log = [];
    this.#postmasterPid = undefined;
    const [cmd, args] = this.#asUser(this.#bin('postgres'), [
      '-D',
      this.dataDir,
      '-p',
      String(this.port),
      '-k',
      this.baseDir,
      ...this.#settings,
    ]);
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    live.add(this);
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line) this.#log.push(line);
      if (this.#log.length > 200) this.#log.splice(0, this.#log.length - 200);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const exited = new Promise<never>((_, reject) => {
      child.once('error', (err) => reject(new Error(`cannot start ${cmd}: ${err.message}`)));
      child.once('exit', (code, signal) =>
        reject(new Error(`postgres on ${this.port} exited (${code ?? signal}):\n${this.logTail()}`)),
      );
    });
    exited.catch(() => {});
    await Promise.race([this.#waitReady(), exited]);
    this.#postmasterPid = this.#pidFromFile();
  }

  #pidFromFile(): number | undefined {
    try {
      const pid = Number(readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * What `pg_ctl start -w` reads: postmaster.pid names this port and says `ready`, and its pid is
   * alive (a file left by a killed postmaster names a dead one).
   */
  #pidFileSaysReady(): boolean {
    let lines: string[];
    try {
      lines = readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n');
    } catch {
      return false;
    }
    if (lines[3]?.trim() !== String(this.port) || lines[7]?.trim() !== 'ready') return false;
    try {
      process.kill(Number(lines[0]), 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  }

  async #waitReady(): Promise<void> {
    const deadline = Date.now() + 30_000;
    const isready = this.#bin('pg_isready');
    const hasIsready = !isready.includes('/') || existsSync(isready);
    while (Date.now() < deadline) {
      if (!hasIsready) {
        if (this.#pidFileSaysReady()) return;
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      try {
        await execFileAsync(isready, ['-q', '-h', this.host, '-p', String(this.port), '-t', '1']);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`postgres on ${this.port} not ready:\n${this.logTail()}`);
  }

  async #signalAndWait(signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const send = (sig: NodeJS.Signals) => {
      try {
        process.kill(this.#postmasterPid ?? this.#pidFromFile() ?? child.pid!, sig);
      } catch {
        // already gone
      }
    };
    send(signal);
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
    if ((await Promise.race([exited, timer])) === 'timeout') {
      send('SIGKILL');
      await exited;
    }
    live.delete(this);
  }
}

/** Starts a PostgreSQL server for a test; it is stopped and removed by `cleanupAll()`. */
export function startPostgres(opts: StartPostgresOptions = {}): Promise<PostgresServer> {
  return PostgresServer.start(opts);
}
