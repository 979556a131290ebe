import { onScopeDispose, type Ref, ref } from 'vue';

export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** The part of EventSource this composable uses, so tests can hand in a fake. */
export interface EventSourceLike {
  onopen: ((event: Event) => void) | null;
  onerror: ((event: Event) => void) | null;
  addEventListener(type: string, listener: (event: MessageEvent) => void): void;
  close(): void;
}

export type StreamHandlers<M> = { [K in keyof M]?: (payload: M[K]) => void };

export interface EventStreamOptions {
  createSource?: (url: string) => EventSourceLike;
  /** First retry delay; doubles on each failed attempt up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** The server sends every second: this long without a message means the stream is dead. */
  staleAfterMs?: number;
  random?: () => number;
}

export interface EventStream {
  state: Ref<StreamState>;
  /** Failed attempts since the last successful open. */
  attempt: Ref<number>;
  /** Epoch ms of the next reconnection attempt while reconnecting. */
  retryAt: Ref<number | null>;
  lastMessageAt: Ref<number | null>;
  reconnectNow(): void;
  close(): void;
}

/**
 * A server-sent-events subscription that survives the server: the browser's own retry gives up
 * for good on a non-200 answer and has no backoff, so on any error the source is closed and
 * reopened here with exponential backoff and jitter. A watchdog treats a silent stream as dead.
 */
export function useEventStream<M extends object>(
  url: string,
  handlers: StreamHandlers<M>,
  options: EventStreamOptions = {},
): EventStream {
  const createSource = options.createSource ?? ((u: string) => new EventSource(u) as EventSourceLike);
  const minDelayMs = options.minDelayMs ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 15_000;
  const staleAfterMs = options.staleAfterMs ?? 5000;
  const random = options.random ?? Math.random;

  const state = ref<StreamState>('connecting');
  const attempt = ref(0);
  const retryAt = ref<number | null>(null);
  const lastMessageAt = ref<number | null>(null);

  let source: EventSourceLike | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let watchdog: ReturnType<typeof setInterval> | null = null;
  let closed = false;

  function clearRetry() {
    if (retryTimer !== null) clearTimeout(retryTimer);
    retryTimer = null;
    retryAt.value = null;
  }

  function dropSource() {
    if (!source) return;
    source.onopen = null;
    source.onerror = null;
    source.close();
    source = null;
  }

  function scheduleReconnect() {
    dropSource();
    if (closed) return;
    state.value = 'reconnecting';
    const base = Math.min(maxDelayMs, minDelayMs * 2 ** attempt.value);
    const delay = Math.round(base * (0.75 + random() * 0.5));
    attempt.value += 1;
    clearRetry();
    retryAt.value = Date.now() + delay;
    retryTimer = setTimeout(connect, delay);
  }

  function connect() {
    clearRetry();
    dropSource();
    if (closed) return;
    if (state.value !== 'reconnecting') state.value = 'connecting';
    const current = createSource(url);
    source = current;
    current.onopen = () => {
      if (source !== current) return;
      state.value = 'open';
      attempt.value = 0;
      lastMessageAt.value = Date.now();
    };
    current.onerror = () => {
      if (source === current) scheduleReconnect();
    };
    for (const name of Object.keys(handlers) as (keyof M & string)[]) {
      current.addEventListener(name, (event: MessageEvent) => {
        if (source !== current) return;
        lastMessageAt.value = Date.now();
        if (state.value !== 'open') {
          state.value = 'open';
          attempt.value = 0;
        }
        let payload: M[typeof name];
        try {
          payload = JSON.parse(String(event.data)) as M[typeof name];
        } catch {
          return; // a malformed event is dropped, the stream itself is fine
        }
        handlers[name]?.(payload);
      });
    }
  }

  watchdog = setInterval(() => {
    if (
      state.value === 'open' &&
      lastMessageAt.value !== null &&
      Date.now() - lastMessageAt.value > staleAfterMs
    ) {
      scheduleReconnect();
    }
  }, 1000);

  function reconnectNow() {
    if (closed) return;
    attempt.value = 0;
    connect();
  }

  function close() {
    closed = true;
    clearRetry();
    dropSource();
    if (watchdog !== null) clearInterval(watchdog);
    watchdog = null;
    state.value = 'closed';
  }

  connect();
  onScopeDispose(close);

  return { state, attempt, retryAt, lastMessageAt, reconnectNow, close };
}
