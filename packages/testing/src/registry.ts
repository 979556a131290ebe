import type { ChildProcess } from 'node:child_process';

type Cleanup = () => Promise<void>;

const cleanups = new Set<Cleanup>();
const children = new Set<ChildProcess>();

/** Every server registers its own cleanup, so a failing test still leaves nothing running. */
export function registerCleanup(fn: Cleanup): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

export function trackChild(child: ChildProcess): void {
  children.add(child);
}

export function untrackChild(child: ChildProcess): void {
  children.delete(child);
}

/** Stops every server started by this process. Safe to call more than once. */
export async function cleanupAll(): Promise<void> {
  const pending = [...cleanups];
  cleanups.clear();
  await Promise.allSettled(pending.map((fn) => fn()));
}

// Last line of defence: if the test process exits without cleanup (crash, timeout, Ctrl-C),
// no redis-server is left behind. A stopped (SIGSTOP) process still dies on SIGKILL.
function killAllSync(): void {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
process.once('exit', killAllSync);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllSync();
    // Leave the exit to the host program when it handles the signal itself (pnpm dev does).
    if (process.listenerCount(signal) === 0) process.exit(130);
  });
}
