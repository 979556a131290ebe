/** One HTTP call with a client-side deadline, never a throw: what a client of the API sees. */
export interface Answer {
  status: number; // 0 when no answer arrived (network error or client timeout)
  body: unknown;
  text: string;
  contentType: string;
  headers: Headers | null;
  ms: number;
  error?: string;
  startedAt: number;
}

export async function call(
  base: string,
  method: string,
  path: string,
  opts: { body?: unknown; rawBody?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Answer> {
  const startedAt = Date.now();
  const started = performance.now();
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
    headers['Content-Type'] = 'application/json';
  try {
    const res = await fetch(`${base}${path}`, {
      method: method.toUpperCase(),
      headers,
      body,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    const contentType = res.headers.get('content-type') ?? '';
    let parsed: unknown = null;
    if (contentType.includes('json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
    }
    return {
      status: res.status,
      body: parsed,
      text,
      contentType,
      headers: res.headers,
      ms: performance.now() - started,
      startedAt,
    };
  } catch (err) {
    return {
      status: 0,
      body: null,
      text: '',
      contentType: '',
      headers: null,
      ms: performance.now() - started,
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      startedAt,
    };
  }
}

/** Runs `work(i)` for i in [0, total) with at most `concurrency` in flight. */
export async function pool(
  total: number,
  concurrency: number,
  work: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(concurrency, total) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      await work(i);
    }
  });
  await Promise.all(runners);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Status code → count. */
export function histogram(answers: Answer[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) out[String(a.status)] = (out[String(a.status)] ?? 0) + 1;
  return out;
}
