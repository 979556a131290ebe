import { onScopeDispose } from 'vue';

/** Calls `fn` once input has been quiet for `ms` (typing suggestions); cancelled on unmount. */
export function useDebouncedFn<A extends unknown[]>(fn: (...args: A) => unknown, ms: number) {
  let timer: ReturnType<typeof setTimeout> | null = null;
  function cancel() {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  }
  function call(...args: A) {
    cancel();
    timer = setTimeout(() => {
      timer = null;
      fn(...args);
    }, ms);
  }
  onScopeDispose(cancel);
  return { call, cancel };
}
