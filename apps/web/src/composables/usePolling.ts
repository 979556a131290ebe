import { onScopeDispose } from 'vue';

/**
 * Calls `task` now and then every `intervalMs` after the previous call settled (never two at
 * once, so a slow API is not piled onto). Errors are the task's business: it records them.
 */
export function usePolling(
  task: () => Promise<unknown>,
  intervalMs: number,
  options: { immediate?: boolean } = {},
) {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  async function run() {
    timer = null;
    try {
      await task();
    } catch {
      // recorded by the task's store; keep polling
    }
    if (!stopped) timer = setTimeout(run, intervalMs);
  }

  function stop() {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    timer = null;
  }

  if (options.immediate ?? true) void run();
  else timer = setTimeout(run, intervalMs);
  onScopeDispose(stop);
  return { stop };
}
