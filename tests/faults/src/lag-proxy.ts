import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay between a replica and its master that holds the master → replica stream back by
 * `delayMs`: a replica that keeps answering reads while its data is behind, the case a paused or
 * killed replica does not show. The replica connects to `port` as if it were the master.
 */
export interface LagProxy {
  port: number;
  setDelay(ms: number): void;
  close(): Promise<void>;
}

export async function startLagProxy(target: { host: string; port: number }): Promise<LagProxy> {
  let delayMs = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((downstream) => {
    const upstream = connect(target.port, target.host);
    sockets.add(downstream);
    sockets.add(upstream);
    // Chunks keep their order: each leaves `delayMs` after it arrived, after the one before it.
    let lastRelease = 0;
    upstream.on('data', (chunk) => {
      const release = Math.max(Date.now() + delayMs, lastRelease);
      lastRelease = release;
      const wait = release - Date.now();
      if (wait <= 0) downstream.write(chunk);
      else setTimeout(() => downstream.writable && downstream.write(chunk), wait);
    });
    downstream.on('data', (chunk) => upstream.write(chunk));
    const end = () => {
      upstream.destroy();
      downstream.destroy();
      sockets.delete(upstream);
      sockets.delete(downstream);
    };
    upstream.on('error', end).on('close', end);
    downstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('lag proxy has no port');
  return {
    port: address.port,
    setDelay(ms) {
      delayMs = ms;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
