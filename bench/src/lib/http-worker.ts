import type { Server } from 'node:http';
import express from 'express';
import { serveParent } from './child.js';

/** Express as the API sets it up (apps/api/src/app.ts): no ETag, no x-powered-by. */
export function bareExpress(): express.Express {
  const app = express();
  app.set('etag', false);
  app.disable('x-powered-by');
  return app;
}

/** What a worker's `start` builds: its HTTP server (not listening yet) and what to close after it. */
export interface HttpWorkerServer {
  server: Server;
  close?: () => Promise<void>;
}

/**
 * The parent side of a benchmark's HTTP server process (bench/src/workers): `start` builds the
 * server, which listens on a free loopback port (the reply is `{ port }`) and counts the requests
 * it answers; `usage` replies with the CPU this process spent and the requests so far (the parent
 * takes deltas); `stop` closes every connection, the server, then what `start` said to close.
 */
export function serveHttpWorker(
  start: (message: Record<string, unknown>) => Promise<HttpWorkerServer>,
): void {
  let server: Server | undefined;
  let close: () => Promise<void> = async () => {};
  let requests = 0;
  serveParent(async (msg) => {
    if (msg.type === 'start') {
      const built = await start(msg);
      server = built.server;
      close = built.close ?? close;
      const listening = server;
      listening.on('request', () => {
        requests++;
      });
      const port = await new Promise<number>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(0, '127.0.0.1', () => {
          const address = listening.address();
          resolve(typeof address === 'object' && address ? address.port : 0);
        });
      });
      return { port };
    }
    if (msg.type === 'usage') {
      const { user, system } = process.cpuUsage();
      return { cpuUs: user + system, requests };
    }
    if (msg.type === 'stop') {
      await new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await close();
      return 'ok';
    }
    throw new Error(`unknown message ${msg.type}`);
  });
}
