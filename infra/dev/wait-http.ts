/**
 * Polls `url` until it answers 2xx. On timeout the error carries the last status and body,
 * e.g. `/readyz` saying which Redis is down, which is what a developer needs to see.
 */
export async function waitForHttp(
  url: string,
  opts: { timeoutMs: number; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) {
        await res.body?.cancel();
        return;
      }
      last = `${res.status} ${(await res.text()).slice(0, 300)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
  throw new Error(`${url} not ready after ${Math.round(opts.timeoutMs / 1000)} s (last answer: ${last})`);
}
