import { onScopeDispose, ref } from 'vue';

/** A clock ref for relative times and countdowns in lists ("12 s ago", TTLs). */
export function useNow(intervalMs = 1000) {
  const now = ref(Date.now());
  const timer = setInterval(() => {
    now.value = Date.now();
  }, intervalMs);
  onScopeDispose(() => clearInterval(timer));
  return now;
}
