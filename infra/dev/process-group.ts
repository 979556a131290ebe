/**
 * Every child the orchestrator starts leads its own process group (spawned `detached`), so one
 * signal to `-pid` reaches the child and everything it started (`tsx watch` runs a second node,
 * Vite runs esbuild, redis-server forks for BGSAVE) and nothing is orphaned.
 */
export interface ProcessGroup {
  readonly name: string;
  readonly pid: number | undefined;
  stop(timeoutMs?: number): Promise<void>;
  killNow(): void;
}

/** Sends `signal` to the group led by `pid`; false when the group is already gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

export function groupAlive(pid: number): boolean {
  return signalGroup(pid, 0);
}

/** Resolves true once no process of the group is left, false on timeout. */
export async function waitGroupGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/**
 * SIGTERM to the group's leader only, then SIGKILL to the whole group for whatever is still
 * there after `timeoutMs`. Only the leader: `tsx watch` relays the signal to the app it runs,
 * and an app that got it twice (once from us, once relayed) would take it as "exit now".
 */
export async function stopGroup(pid: number, timeoutMs: number): Promise<void> {
  if (!groupAlive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // the leader is gone already; its group may not be
  }
  if (await waitGroupGone(pid, timeoutMs)) return;
  signalGroup(pid, 'SIGKILL');
  await waitGroupGone(pid, 5_000);
}
