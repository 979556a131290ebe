import { createServer } from 'node:net';

function probe(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const address = srv.address();
      const got = typeof address === 'object' && address ? address.port : port;
      srv.close(() => resolve(got));
    });
  });
}

/**
 * A port nobody listens on right now. Cluster nodes also need port + 10000 for the
 * cluster bus, so with `withBusPort` the port is picked below 55536 and both are checked.
 */
export async function freePort(opts: { withBusPort?: boolean } = {}): Promise<number> {
  for (let i = 0; i < 50; i++) {
    if (!opts.withBusPort) return probe(0);
    const candidate = 20_000 + Math.floor(Math.random() * 35_000);
    try {
      await probe(candidate);
      await probe(candidate + 10_000);
      return candidate;
    } catch {
      // taken, try another
    }
  }
  throw new Error('no free port pair found for a cluster node');
}
