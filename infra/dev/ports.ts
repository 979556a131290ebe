import { createServer } from 'node:net';

/** True when nothing listens on 127.0.0.1:port (and we may bind it). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A port the OS says is free right now. */
export function anyFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ port: 0, host, exclusive: true }, () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('the OS gave no port'))));
    });
  });
}

/**
 * The first free port of `preferred` (in order), skipping `taken`; else any free port.
 * Stable preferences keep the printed redis-cli commands the same from one run to the next.
 */
export async function pickPort(preferred: number[], taken: ReadonlySet<number> = new Set()): Promise<number> {
  for (const port of preferred) {
    if (!taken.has(port) && (await isPortFree(port))) return port;
  }
  for (;;) {
    const port = await anyFreePort();
    if (!taken.has(port)) return port;
  }
}

/** `[from, from+1, …, from+count-1]`. */
export function portRange(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}
