import type { JobEvent, JobEventKind, StreamErrorPayload } from '@app/api-types';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { JobEventSource } from '../../deps.js';
import { AppError } from '../../http/app-error.js';
import { clientAddress } from '../../http/client-address.js';
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
  /** Open streams one client address may hold (STREAM_MAX_PER_CLIENT); the next one is a 429. */
  maxPerClient: number;
  /** Open streams this instance holds for everyone (STREAM_MAX_TOTAL); the next one is a 429. */
  maxTotal: number;
  /**
   * A client that has not taken what was written for this long (its socket stays full: it stopped
   * reading) is dropped, before its buffer reaches maxBufferedBytes.
   */
  stalledMs?: number;
  /**
   * A stream is ended after this long (EventSource reconnects by itself after `retry`): a
   * forgotten tab cannot hold a slot forever, and each reconnection passes the bounds again.
   */
  maxAgeMs?: number;
}

export interface StreamHub {
  handle(req: Request, res: Response): void;
  /**
   * Computes one source now and sends its event to every client, without waiting for the next
   * tick (a replica that just dropped its connection). Calls made while one runs are coalesced
   * into one more run after it.
   */
  refresh(name: string): void;
  clientCount(): number;
  /** Streams dropped since start, by reason (a client that was too slow or stalled, too old). */
  dropped(): Readonly<Record<DropReason, number>>;
  /** Ends every stream and stops the ticker (graceful shutdown). */
  close(): void;
}

export type DropReason = 'slow' | 'stalled' | 'max_age';

/** What the 429 of a refused stream asks the client to wait (a slot frees when a stream ends). */
export const STREAM_RETRY_AFTER_SECONDS = 10;

interface Client {
  address: string;
  /** When a write last found the socket full (write() returned false) and it has not drained since. */
  blockedSince: number | null;
  ageTimer: NodeJS.Timeout | null;
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
  const maxBuffered = opts.maxBufferedBytes ?? 256 * 1024;
  const stalledMs = opts.stalledMs ?? 30_000;
  const maxAgeMs = opts.maxAgeMs ?? 10 * 60_000;
  const clients = new Map<Response, Client>();
  const perAddress = new Map<string, number>();
  const dropped: Record<DropReason, number> = { slow: 0, stalled: 0, max_age: 0 };
  const lastFrames = new Map<string, string>();
  let ticker: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let ticking = false;
  /** Per source: the number of the latest computation started, and of the latest one sent. */
  const started = new Map<string, number>();
  const sent = new Map<string, number>();
  const refreshing = new Set<string>();
  const refreshAgain = new Set<string>();
  let closed = false;

  function send(chunk: string): void {
    const now = Date.now();
    for (const [res, client] of clients) {
      const reason: DropReason | null =
        res.writableLength > maxBuffered
          ? 'slow'
          : client.blockedSince !== null && now - client.blockedSince > stalledMs
            ? 'stalled'
            : null;
      if (reason) {
        opts.logger.warn({ reason, buffered: res.writableLength }, 'SSE client not reading, disconnected');
        end(res, reason);
        continue;
      }
      if (!res.write(chunk) && client.blockedSince === null) {
        client.blockedSince = now;
        res.once('drain', () => {
          client.blockedSince = null;
        });
      }
    }
  }

  /**
   * Ends a stream the server gives up on. A client that stopped reading would never take the
   * rest of its buffer, so its socket is destroyed, not left to drain; an old stream ends cleanly
   * (EventSource reconnects).
   */
  function end(res: Response, reason: DropReason): void {
    dropped[reason]++;
    drop(res);
    res.end();
    if (reason !== 'max_age') res.socket?.destroy();
  }

  /**
   * Computes a source; resolves with its frame, or null when a computation started later was
   * already sent (a tick that began before a refresh must not send the older state after it).
   */
  async function compute(name: string, source: TickSource): Promise<string | null> {
    const seq = (started.get(name) ?? 0) + 1;
    started.set(name, seq);
    const payload = await withTimeout(source(), opts.sourceTimeoutMs, `stream ${name}`).catch(
      (err: unknown) => errorPayload(err),
    );
    if (seq < (sent.get(name) ?? 0)) return null;
    sent.set(name, seq);
    const f = frame(name, payload);
    lastFrames.set(name, f);
    return f;
  }

  async function tick(): Promise<void> {
    if (ticking) return; // the previous tick is still waiting on Redis: skip rather than pile up
    ticking = true;
    try {
      const frames = await Promise.all(
        Object.entries(opts.sources).map(([name, source]) => compute(name, source)),
      );
      const chunk = frames.filter((f) => f !== null).join('');
      if (clients.size > 0 && chunk) send(chunk);
    } catch (err) {
      opts.logger.error({ err }, 'stream tick failed');
    } finally {
      ticking = false;
    }
  }

  async function refresh(name: string): Promise<void> {
    const source = opts.sources[name];
    if (!source || closed || clients.size === 0) return;
    if (refreshing.has(name)) {
      refreshAgain.add(name);
      return;
    }
    refreshing.add(name);
    try {
      do {
        refreshAgain.delete(name);
        const f = await compute(name, source);
        if (f && clients.size > 0) send(f);
      } while (refreshAgain.has(name) && !closed);
    } catch (err) {
      opts.logger.error({ err, source: name }, 'stream refresh failed');
    } finally {
      refreshing.delete(name);
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
    const client = clients.get(res);
    if (!client) return;
    clients.delete(res);
    if (client.ageTimer) clearTimeout(client.ageTimer);
    const left = (perAddress.get(client.address) ?? 1) - 1;
    if (left > 0) perAddress.set(client.address, left);
    else perAddress.delete(client.address);
    if (clients.size === 0) stop();
  }

  /** Null when a new stream from this address fits both bounds, else why not. */
  function refusal(address: string): string | null {
    if (clients.size >= opts.maxTotal)
      return `the server holds its maximum of ${opts.maxTotal} event streams`;
    if ((perAddress.get(address) ?? 0) >= opts.maxPerClient) {
      return `at most ${opts.maxPerClient} event streams per client`;
    }
    return null;
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
      const address = clientAddress(req);
      const refused = refusal(address);
      if (refused) {
        throw new AppError(429, 'E_TOO_MANY_STREAMS', `${refused}: close one or retry later`, {
          headers: { 'Retry-After': String(STREAM_RETRY_AFTER_SECONDS) },
        });
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
      const client: Client = { address, blockedSince: null, ageTimer: null };
      client.ageTimer = setTimeout(() => end(res, 'max_age'), maxAgeMs);
      client.ageTimer.unref();
      clients.set(res, client);
      perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
      const cleanup = () => drop(res);
      req.on('close', cleanup);
      res.on('error', cleanup);
      start();
    },
    refresh: (name) => void refresh(name),
    clientCount: () => clients.size,
    dropped: () => ({ ...dropped }),
    close() {
      closed = true;
      stop();
      for (const [kind, listener] of listeners) opts.jobEvents?.off(kind, listener as never);
      for (const res of [...clients.keys()]) {
        drop(res);
        res.end();
      }
    },
  };
}
