/**
 * A fake `fetch` for browser-side tests: routes "METHOD /path" to handlers, records every call.
 * It fakes the HTTP boundary only (the API process); nothing here stands in for Redis.
 */
export interface RecordedCall {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
}

export type FakeAnswer = { status?: number; body?: unknown; raw?: string; headers?: Record<string, string> };
type Handler = (call: RecordedCall) => FakeAnswer | Promise<FakeAnswer>;

export function createFakeFetch() {
  const routes = new Map<string, Handler>();
  const calls: RecordedCall[] = [];
  let offline = false;

  const fetchImpl = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), 'http://monitor.test');
    const method = (init.method ?? 'GET').toUpperCase();
    const call: RecordedCall = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: { ...(init.headers as Record<string, string>) },
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    if (init.signal?.aborted) throw new DOMException('aborted', 'AbortError');
    if (offline) throw new TypeError('Failed to fetch');
    const handler = routes.get(`${method} ${url.pathname}`);
    const answer: FakeAnswer = handler
      ? await handler(call)
      : { status: 404, body: { error: `no route ${method} ${url.pathname}`, code: 'E_NOT_FOUND' } };
    const text = answer.raw ?? (answer.body === undefined ? '' : JSON.stringify(answer.body));
    return new Response(text, {
      status: answer.status ?? 200,
      headers: { 'Content-Type': answer.raw ? 'text/html' : 'application/json', ...answer.headers },
    });
  };

  return {
    fetch: fetchImpl as typeof fetch,
    calls,
    on(route: string, handler: Handler | FakeAnswer) {
      routes.set(route, typeof handler === 'function' ? handler : () => handler);
    },
    setOffline(value: boolean) {
      offline = value;
    },
    callsTo(route: string) {
      const [method, path] = route.split(' ');
      return calls.filter((c) => c.method === method && c.path === path);
    },
  };
}

export type FakeFetch = ReturnType<typeof createFakeFetch>;
