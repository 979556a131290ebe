import type { JobEvent, JobEventKind, StreamErrorPayload } from '@app/api-types';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { JobEventSource } from '../../deps.js';
import { mapError } from '../../http/error-handler.js';
import { withTimeout } from '../../http/timeout.js';

/** A periodic event: its payload is computed once per tick and sent to every client. */
export type TickSource = () => Promise<unknown>;

export interface StreamHubOptions {
  sources: Record<string, TickSource>;
  jobEvents?: JobEventSource | undefined;
  logger: Logger;
  intervalMs?: number;
  heartbeatMs?: number;
  /** Bound on one source's computation; a slow Redis yields an `{error}` payload, not a stalled tick. */
  sourceTimeoutMs: number;
  /** A client whose unsent buffer exceeds this is dropped (it would otherwise grow without bound). */
  maxBufferedBytes?: number;
}

export interface StreamHub {
  handle(req: Request, res: Response): void;
  clientCount(): number;
  /** Ends every stream and stops the ticker (graceful shutdown). */
  close(): void;
}

const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

function errorPayload(err: unknown): StreamErrorPayload {
  const { body } = mapError(err);
  return { error: body.error, code: body.code };
}

function parseMaybeJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * Server-sent events for the monitor. One ticker for all clients, running only while someone
 * listens: each second every source is computed once and the same bytes go to every client.
 * A failing source (Redis down) becomes an `{error, code}` payload; the stream stays open.
 */
export function createStreamHub(opts: StreamHubOptions): StreamHub {
  const intervalMs = opts.intervalMs ?? 1000;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const maxBuffered = opts.maxBufferedBytes ?? 1024 * 1024;
  const clients = new Set<Response>();
  const lastFrames = new Map<string, string>();
  let ticker: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let ticking = false;
  let closed = false;

  function send(chunk: string): void {
    for (const res of clients) {
      if (res.writableLength > maxBuffered) {
        opts.logger.warn('SSE client too slow, disconnected');
        drop(res);
        res.end();
        continue;
      }
      res.write(chunk);
    }
  }

  async function tick(): Promise<void> {
    if (ticking) return; // the previous tick is still waiting on Redis: skip rather than pile up
    ticking = true;
    try {
      const entries = Object.entries(opts.sources);
      const payloads = await Promise.all(
        entries.map(([name, source]) =>
          withTimeout(source(), opts.sourceTimeoutMs, `stream ${name}`).catch((err: unknown) =>
            errorPayload(err),
          ),
        ),
      );
      let chunk = '';
      entries.forEach(([name], i) => {
        const f = frame(name, payloads[i]);
        lastFrames.set(name, f);
        chunk += f;
      });
      if (clients.size > 0) send(chunk);
    } catch (err) {
      opts.logger.error({ err }, 'stream tick failed');
    } finally {
      ticking = false;
    }
  }

  function start(): void {
    if (ticker || closed) return;
    ticker = setInterval(() => void tick(), intervalMs);
    heartbeat = setInterval(() => send(': ping\n\n'), heartbeatMs);
    void tick();
  }

  function stop(): void {
    clearInterval(ticker);
    clearInterval(heartbeat);
    ticker = undefined;
    heartbeat = undefined;
  }

  function drop(res: Response): void {
    clients.delete(res);
    if (clients.size === 0) stop();
  }

  const kinds: JobEventKind[] = ['added', 'active', 'progress', 'completed', 'failed'];
  const listeners = kinds.map((kind) => {
    const listener = (args: Record<string, unknown>) => {
      if (clients.size === 0) return;
      const event: JobEvent = {
        event: kind,
        id: String(args.jobId),
        ...(typeof args.name === 'string' ? { name: args.name as JobEvent['name'] } : {}),
        ...(kind === 'progress' ? { progress: parseMaybeJson(args.data) as number | object } : {}),
        ...(kind === 'completed' ? { result: parseMaybeJson(args.returnvalue) } : {}),
        ...(kind === 'failed' ? { failed_reason: String(args.failedReason ?? '') } : {}),
        at: Date.now(),
      };
      send(frame('job', event));
    };
    opts.jobEvents?.on(kind, listener as never);
    return [kind, listener] as const;
  });

  return {
    handle(req, res) {
      if (closed) {
        res.status(503).json({ error: 'server is shutting down', code: 'E_SHUTTING_DOWN' });
        return;
      }
      res.status(200);
      res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
      res.setHeader('Cache-Control', 'no-cache, no-transform');
      res.setHeader('Connection', 'keep-alive');
      res.setHeader('X-Accel-Buffering', 'no'); // nginx: do not buffer the stream
      res.flushHeaders();
      req.socket.setNoDelay(true);
      // Tells EventSource how long to wait before reconnecting, then whatever we already know.
      res.write(`retry: 3000\n: connected\n\n${[...lastFrames.values()].join('')}`);
      clients.add(res);
      const cleanup = () => drop(res);
      req.on('close', cleanup);
      res.on('error', cleanup);
      start();
    },
    clientCount: () => clients.size,
    close() {
      closed = true;
      stop();
      for (const [kind, listener] of listeners) opts.jobEvents?.off(kind, listener as never);
      for (const res of clients) res.end();
      clients.clear();
    },
  };
}
