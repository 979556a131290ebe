import { registerCleanup } from '../registry.js';
import { Host } from './host.js';
import { ip, ipBatch, ipSync } from './ip-command.js';

/** Every namespace this package makes starts with this, then the pid of the test process. */
const PREFIX = 'rdcnet';
/** Private addresses on links that exist only between the test's own namespaces. */
const SUBNET = '10.231.0';

const liveNamespaces = new Set<string>();
let networks = 0;

/**
 * A test network: a "switch" namespace holding a bridge, and hosts (one namespace each) joined
 * to it by a veth pair. Nothing is routed to or from the machine's own namespace; the test
 * reaches hosts through unix sockets (Host.tunnel, ProcessRedisServer in a namespace).
 *
 * A partition is made of blackhole routes inside the hosts: packets between the two groups are
 * dropped silently, both ways, as a cut cable or a dead switch port would, and established TCP
 * connections stall instead of being reset. Within a group traffic flows as before.
 */
export class Network {
  readonly #id: string;
  readonly #switch: string;
  readonly #hosts: Host[] = [];
  #routes: { netns: string; to: string }[] = [];
  #destroyed = false;

  private constructor(id: string) {
    this.#id = id;
    this.#switch = `${id}-sw`;
  }

  static async create(): Promise<Network> {
    await removeLeftovers();
    const network = new Network(`${PREFIX}-${process.pid}-${++networks}`);
    registerCleanup(() => network.destroy());
    await network.#addNamespace(network.#switch);
    await ip(['-n', network.#switch, 'link', 'add', 'br0', 'type', 'bridge']);
    await ip(['-n', network.#switch, 'link', 'set', 'br0', 'up']);
    return network;
  }

  get hosts(): readonly Host[] {
    return this.#hosts;
  }

  /** A new host on the switch, address 10.231.0.<n+2>/24. */
  async addHost(name: string): Promise<Host> {
    if (!/^[a-z][a-z0-9]{0,9}$/.test(name)) throw new Error(`host name "${name}": a-z0-9, ≤ 10 chars`);
    const index = this.#hosts.length;
    if (index >= 250) throw new Error('a test network holds at most 250 hosts');
    const netns = `${this.#id}-${name}`;
    const address = `${SUBNET}.${index + 2}`;
    await this.#addNamespace(netns);
    const port = `p${index}`;
    // Both ends are created directly in their namespaces: no name is ever taken in the machine's.
    await ip([
      'link',
      'add',
      'eth0',
      'netns',
      netns,
      'type',
      'veth',
      'peer',
      'name',
      port,
      'netns',
      this.#switch,
    ]);
    await ip(['-n', this.#switch, 'link', 'set', port, 'master', 'br0']);
    await ip(['-n', this.#switch, 'link', 'set', port, 'up']);
    await ip(['-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
    await ip(['-n', netns, 'link', 'set', 'eth0', 'up']);
    const host = new Host(name, netns, address);
    this.#hosts.push(host);
    return host;
  }

  /**
   * Cuts every host of `a` from every host of `b`, both ways, adding to any cut in place. The
   * routes of each host go in one `ip -batch`, all hosts at once, so the cut lands within a few
   * milliseconds everywhere (a cut applied host by host would let some traffic through meanwhile).
   */
  async partition(a: readonly Host[], b: readonly Host[]): Promise<void> {
    const byNamespace = new Map<string, string[]>();
    const cut = (from: Host, to: Host) => {
      if (this.#routes.some((r) => r.netns === from.netns && r.to === to.address)) return;
      this.#routes.push({ netns: from.netns, to: to.address });
      byNamespace.set(from.netns, [
        ...(byNamespace.get(from.netns) ?? []),
        `route add blackhole ${to.address}/32`,
      ]);
    };
    for (const x of a)
      for (const y of b) {
        if (x === y) throw new Error(`host ${x.name} is on both sides of the partition`);
        cut(x, y);
        cut(y, x);
      }
    await Promise.all([...byNamespace].map(([netns, commands]) => ipBatch(netns, commands)));
  }

  /** Cuts `host` from every other host. */
  isolate(host: Host): Promise<void> {
    return this.partition(
      [host],
      this.#hosts.filter((h) => h !== host),
    );
  }

  /** Removes every cut, all hosts at once: they all reach each other again. */
  async heal(): Promise<void> {
    const byNamespace = new Map<string, string[]>();
    for (const r of this.#routes)
      byNamespace.set(r.netns, [...(byNamespace.get(r.netns) ?? []), `route del blackhole ${r.to}/32`]);
    this.#routes = [];
    await Promise.all([...byNamespace].map(([netns, commands]) => ipBatch(netns, commands)));
  }

  /** Kills what the hosts run and deletes every namespace (the veth pairs go with them). */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    await Promise.allSettled(this.#hosts.map((h) => h.stopProcesses()));
    for (const netns of [...this.#hosts.map((h) => h.netns), this.#switch]) {
      ipSync(['netns', 'del', netns]);
      liveNamespaces.delete(netns);
    }
  }

  async #addNamespace(name: string): Promise<void> {
    await ip(['netns', 'add', name]);
    liveNamespaces.add(name);
    await ip(['-n', name, 'link', 'set', 'lo', 'up']);
  }
}

/** A new test network (see Network). Removed by cleanupAll(), and on process exit. */
export function createNetwork(): Promise<Network> {
  return Network.create();
}

/** Namespaces left by an earlier test process that died before its cleanup (SIGKILL, OOM). */
async function removeLeftovers(): Promise<void> {
  const listed = await ip(['netns', 'list']);
  for (const line of listed.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const owner = new RegExp(`^${PREFIX}-(\\d+)-`).exec(name)?.[1];
    if (!owner || Number(owner) === process.pid || isAlive(Number(owner))) continue;
    // Its servers outlived it (a SIGKILLed test runs no exit handler): they go first.
    const pids = await ip(['netns', 'pids', name]).catch(() => '');
    for (const pid of pids.split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    ipSync(['netns', 'del', name]);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// The registry SIGKILLs every child on exit (registered first, so it runs first); then the
// namespaces go. A namespace whose processes are already dead disappears at once.
process.once('exit', () => {
  for (const netns of liveNamespaces) ipSync(['netns', 'del', netns]);
});
