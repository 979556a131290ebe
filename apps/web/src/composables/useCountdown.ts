import { computed, onScopeDispose, ref } from 'vue';

/**
 * Counts down to a deadline on the client (a cache TTL the server reported once), ticking
 * until it reaches zero and then stopping, so an expired entry costs no timers.
 */
export function useCountdown(options: { tickMs?: number } = {}) {
  const tickMs = options.tickMs ?? 250;
  const deadline = ref<number | null>(null);
  const total = ref<number | null>(null);
  const now = ref(Date.now());
  let timer: ReturnType<typeof setInterval> | null = null;

  function stopTimer() {
    if (timer !== null) clearInterval(timer);
    timer = null;
  }

  function tick() {
    now.value = Date.now();
    if (deadline.value !== null && now.value >= deadline.value) stopTimer();
  }

  /** Start (or restart) counting `ms` down from now; null clears it. */
  function start(ms: number | null) {
    stopTimer();
    now.value = Date.now();
    if (ms === null || !Number.isFinite(ms)) {
      deadline.value = null;
      total.value = null;
      return;
    }
    total.value = Math.max(0, ms);
    deadline.value = now.value + total.value;
    if (total.value > 0) timer = setInterval(tick, tickMs);
  }

  const remainingMs = computed(() =>
    deadline.value === null ? null : Math.max(0, deadline.value - now.value),
  );
  const expired = computed(() => remainingMs.value === 0);
  /** 1 → 0 as time passes, for a ring or a bar. */
  const fraction = computed(() =>
    remainingMs.value === null || !total.value ? 0 : Math.min(1, remainingMs.value / total.value),
  );

  onScopeDispose(stopTimer);

  return { remainingMs, expired, fraction, start, stop: () => start(null) };
}
