import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAll, createNetwork, netnsSupport, startReplicated, waitUntil } from '../src/index.js';

const support = await netnsSupport();
if (!support.ok) console.warn(`[testing] SKIPPED network namespace tests: ${support.reason}`);

const namespaces = () => execFileSync('ip', ['netns', 'list']).toString();

afterEach(async () => {
  await cleanupAll();
});

describe.skipIf(!support.ok)('hosts on a test network', () => {
  it('replicates across hosts; a partition stops it both ways, heal resumes it; cleanup removes every namespace and process', async () => {
    const net = await createNetwork();
    const a = await net.addHost('a');
    const b = await net.addHost('b');
    expect([a.address, b.address]).toEqual(['10.231.0.2', '10.231.0.3']);
    const rep = await startReplicated({ replicas: 1, place: (i) => [a, b][i]!.placement(6379) });
    const [master, replica] = [rep.master.client(), rep.replicas[0]!.client()];
    expect(rep.master.url).toBe('redis://10.231.0.2:6379');
    const replicated = async (value: string, ms: number) => {
      await master.set('k', value);
      return waitUntil(async () => (await replica.get('k')) === value, ms).then(
        () => true,
        () => false,
      );
    };
    expect(await replicated('before', 5000)).toBe(true);

    await net.partition([a], [b]);
    expect(await replicated('during', 1500)).toBe(false);
    // The test still reaches both servers (unix sockets): only host-to-host traffic is cut.
    expect(await master.get('k')).toBe('during');
    expect(await replica.get('k')).toBe('before');

    await net.heal();
    await waitUntil(
      async () => (await replica.get('k')) === 'during',
      15_000,
      'no replication after the heal',
    );

    // A host runs any command in its namespace: it sees only its own address.
    const child = b.spawn('ip', ['-4', '-o', 'addr', 'show', 'dev', 'eth0']);
    const out: string[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d.toString()));
    await new Promise((resolve) => child.once('exit', resolve));
    expect(out.join('')).toContain('10.231.0.3/24');

    const pids = [rep.master.pid, rep.replicas[0]!.pid];
    const prefix = `rdcnet-${process.pid}-`;
    expect(namespaces()).toContain(prefix);
    await cleanupAll();
    expect(namespaces()).not.toContain(prefix);
    for (const pid of pids) expect(() => process.kill(pid as number, 0)).toThrow();
  });
});
