import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiApp } from '../src/app.js';

export interface SseEvent {
  event: string;
  data: unknown;
}

/**
 * Opens GET /api/stream on a real listening server and collects events until `until` says
 * stop (or the timeout passes). SSE needs a socket: supertest buffers whole responses.
 */
export async function collectEvents(
  app: ApiApp,
  until: (events: SseEvent[]) => boolean,
  timeoutMs = 8000,
): Promise<{ events: SseEvent[]; raw: string; headers: Headers }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const events: SseEvent[] = [];
  let raw = '';
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/stream`, { signal: abort.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      const text = decoder.decode(value, { stream: true });
      raw += text;
      buffer += text;
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
        end = buffer.indexOf('\n\n');
      }
    }
    abort.abort();
    return { events, raw, headers: res.headers };
  } catch (err) {
    if ((err as Error).name === 'AbortError') return { events, raw, headers: new Headers() };
    throw err;
  } finally {
    clearTimeout(timer);
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}
