import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessRedisServer, type ProcessServerOptions } from '../process-server.js';
import { registerCleanup, trackChild, untrackChild } from '../registry.js';
import type { RedisServer } from '../types.js';

const relayScript = fileURLToPath(new URL('./tcp-relay.mjs', import.meta.url));

/** Where a server runs: a host's namespace and address, on a fixed port (each host has its own). */
export type Placement = Pick<ProcessServerOptions, 'netns' | 'port'>;

/** A tunnel into a host: 127.0.0.1:<port> in the test process reaches <port> inside the host. */
export interface Tunnel {
  host: '127.0.0.1';
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
}

/**
 * One machine of a test network: its own network namespace with one address on the switch
 * (network.ts), running whatever the test starts in it. The test itself stays outside every
 * namespace and reaches a host's servers through unix sockets, which partitions never cut.
 */
export class Host {
  readonly name: string;
  readonly netns: string;
  readonly address: string;
  readonly #children = new Set<ChildProcess>();
  readonly #tunnels = new Map<number, Promise<Tunnel>>();
  readonly #closers: (() => Promise<void>)[] = [];

  constructor(name: string, netns: string, address: string) {
    this.name = name;
    this.netns = netns;
    this.address = address;
  }

  /** Options that put a redis-server on this host (see startReplicated/startSentinels `place`). */
  placement(port: number): Placement {
    return { netns: { name: this.netns, address: this.address }, port };
  }

  /** A redis-server (or sentinel) on this host, port 6379 unless told (26379 for a sentinel). */
  startRedis(opts: Omit<ProcessServerOptions, 'netns'> = { role: 'standalone' }): Promise<RedisServer> {
    const port = opts.port ?? (opts.sentinel ? 26379 : 6379);
    return ProcessRedisServer.start({ ...opts, ...this.placement(port) });
  }

  /**
   * Runs a command inside this host's namespace (`ip netns exec` execs it in place, so the pid is
   * the command's own). The child is SIGKILLed at cleanup and when the test process exits.
   */
  spawn(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.netns, command, ...args], {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#children.add(child);
    trackChild(child);
    child.once('exit', () => {
      this.#children.delete(child);
      untrackChild(child);
    });
    return child;
  }

  /** A TCP port in the test process that forwards to `port` on this host (one per port). */
  tunnel(port: number): Promise<Tunnel> {
    let tunnel = this.#tunnels.get(port);
    if (!tunnel) {
      tunnel = this.#openTunnel(port);
      this.#tunnels.set(port, tunnel);
    }
    return tunnel;
  }

  async #openTunnel(port: number): Promise<Tunnel> {
    const dir = mkdtempSync(join(tmpdir(), 'host-tunnel-'));
    const socketPath = join(dir, `${port}.sock`);
    const relay = this.spawn(process.execPath, [relayScript, socketPath, String(port)]);
    await relayReady(relay, `relay into ${this.name}:${port}`);
    const server: Server = createServer((local) => {
      const remote = createConnection(socketPath);
      const close = () => {
        local.destroy();
        remote.destroy();
      };
      local.pipe(remote).pipe(local);
      for (const end of [local, remote]) {
        end.on('error', close);
        end.on('close', close);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const localPort = typeof address === 'object' && address ? address.port : 0;
    const close = async () => {
      server.close();
      relay.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    };
    this.#closers.push(close);
    registerCleanup(close);
    return { host: '127.0.0.1', port: localPort, url: `http://127.0.0.1:${localPort}` };
  }

  /**
   * Makes a server of the test's own, listening on a unix socket outside every namespace (e.g.
   * PostgreSQL's), reachable at this host's address on `port`: the host's link carries the
   * traffic, so partitions cut it like any other.
   */
  async serveUnixSocket(port: number, socketPath: string): Promise<void> {
    const relay = this.spawn(process.execPath, [relayScript, '--serve', String(port), socketPath]);
    await relayReady(relay, `relay ${this.name}:${port} -> ${socketPath}`);
    const close = async () => {
      relay.kill('SIGKILL');
    };
    this.#closers.push(close);
    registerCleanup(close);
  }

  /** Kills what this host runs (servers started with startRedis clean up through the registry). */
  async stopProcesses(): Promise<void> {
    await Promise.allSettled(this.#closers.splice(0).map((close) => close()));
    const exits = [...this.#children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    );
    await Promise.all(exits);
  }
}

function relayReady(relay: ChildProcess, what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start`)), 10_000);
    relay.stdout?.once('data', () => {
      clearTimeout(timer);
      resolve();
    });
    relay.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code})`));
    });
  });
}
