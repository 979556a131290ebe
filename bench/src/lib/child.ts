import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * A worker script in its own Node process (TypeScript through tsx), with request/reply
 * messages: the benchmarks that need "another process" (writers, stampede callers, HTTP
 * servers) use these, never a second client in the same process.
 */
export interface Child {
  readonly process: ChildProcess;
  request<T = unknown>(message: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

export const benchRoot = fileURLToPath(new URL('../..', import.meta.url));

export function startChild(script: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Child {
  const file = fileURLToPath(new URL(`../workers/${script}`, import.meta.url));
  return forkChild(script, file, [...nodeArgs, '--import', 'tsx'], env);
}

export function forkChild(
  script: string,
  file: string,
  execArgv: string[],
  env: Record<string, string>,
): Child {
  const child = fork(file, [], {
    cwd: benchRoot,
    execArgv,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let seq = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (msg: { replyTo?: number; error?: string; result?: unknown }) => {
    if (typeof msg?.replyTo !== 'number') return;
    const waiter = pending.get(msg.replyTo);
    if (!waiter) return;
    pending.delete(msg.replyTo);
    if (msg.error) waiter.reject(new Error(`${script}: ${msg.error}`));
    else waiter.resolve(msg.result);
  });
  child.on('exit', (code, signal) => {
    for (const w of pending.values()) w.reject(new Error(`${script} exited (${code ?? signal})`));
    pending.clear();
  });
  return {
    process: child,
    request<T>(message: Record<string, unknown>, timeoutMs = 120_000) {
      const id = ++seq;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${script}: no reply to ${String(message.type)} in ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v as T);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        child.send({ ...message, id });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Inside a worker: answer the parent's requests with `handle`. */
export function serveParent(
  handle: (message: { type: string } & Record<string, unknown>) => Promise<unknown>,
): void {
  process.on('message', async (msg: { id: number; type: string } & Record<string, unknown>) => {
    try {
      const result = await handle(msg);
      process.send?.({ replyTo: msg.id, result });
    } catch (err) {
      process.send?.({
        replyTo: msg.id,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

/** Wall-clock ms with sub-ms precision, comparable across processes on one machine. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}
