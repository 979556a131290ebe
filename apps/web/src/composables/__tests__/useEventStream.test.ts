import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { effectScope } from 'vue';
import { type EventSourceLike, useEventStream } from '../useEventStream.js';

/** Stands in for the browser's EventSource, so the test can open, fail and feed the stream. */
class FakeSource implements EventSourceLike {
  static all: FakeSource[] = [];
  onopen: ((event: Event) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  closed = false;
  listeners = new Map<string, (event: MessageEvent) => void>();
  constructor(readonly url: string) {
    FakeSource.all.push(this);
  }
  addEventListener(type: string, listener: (event: MessageEvent) => void) {
    this.listeners.set(type, listener);
  }
  close() {
    this.closed = true;
  }
  open() {
    this.onopen?.(new Event('open'));
  }
  fail() {
    this.onerror?.(new Event('error'));
  }
  emit(type: string, data: unknown) {
    this.listeners.get(type)?.(
      new MessageEvent(type, { data: typeof data === 'string' ? data : JSON.stringify(data) }),
    );
  }
}

const latest = () => FakeSource.all.at(-1)!;

interface Events {
  stats: { requests: number };
  job: { id: string };
}

function start(handlers: { stats?: (p: Events['stats']) => void; job?: (p: Events['job']) => void }) {
  const scope = effectScope();
  const stream = scope.run(() =>
    useEventStream<Events>('/api/stream', handlers, {
      createSource: (url) => new FakeSource(url),
      minDelayMs: 1000,
      maxDelayMs: 8000,
      staleAfterMs: 5000,
      random: () => 0.5, // no jitter: delays are exactly 1 s, 2 s, 4 s…
    }),
  )!;
  return { stream, scope };
}

describe('useEventStream', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeSource.all = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens the URL and hands parsed payloads to the matching handler', () => {
    const stats = vi.fn();
    const job = vi.fn();
    const { stream, scope } = start({ stats, job });
    expect(latest().url).toBe('/api/stream');
    expect(stream.state.value).toBe('connecting');
    latest().open();
    expect(stream.state.value).toBe('open');
    latest().emit('stats', { requests: 3 });
    latest().emit('job', { id: '7' });
    latest().emit('stats', 'not json{');
    expect(stats).toHaveBeenCalledExactlyOnceWith({ requests: 3 });
    expect(job).toHaveBeenCalledExactlyOnceWith({ id: '7' });
    scope.stop();
  });

  it('reconnects with exponential backoff and resets it after a successful open', () => {
    const { stream, scope } = start({ stats: vi.fn() });
    latest().fail();
    expect(stream.state.value).toBe('reconnecting');
    expect(FakeSource.all[0]!.closed).toBe(true);
    expect(FakeSource.all).toHaveLength(1);

    vi.advanceTimersByTime(999);
    expect(FakeSource.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSource.all).toHaveLength(2); // after 1 s

    latest().fail();
    vi.advanceTimersByTime(1999);
    expect(FakeSource.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSource.all).toHaveLength(3); // after 2 s more

    latest().fail();
    vi.advanceTimersByTime(4000);
    expect(FakeSource.all).toHaveLength(4); // after 4 s more
    expect(stream.attempt.value).toBe(3);

    latest().open();
    expect(stream.state.value).toBe('open');
    expect(stream.attempt.value).toBe(0);
    latest().fail();
    vi.advanceTimersByTime(1000);
    expect(FakeSource.all).toHaveLength(5); // back to 1 s
    scope.stop();
  });

  it('caps the delay at maxDelayMs', () => {
    const { stream, scope } = start({ stats: vi.fn() });
    for (let i = 0; i < 6; i += 1) {
      latest().fail();
      vi.advanceTimersByTime(8000);
    }
    const before = FakeSource.all.length;
    latest().fail();
    expect(stream.retryAt.value! - Date.now()).toBe(8000);
    vi.advanceTimersByTime(8000);
    expect(FakeSource.all.length).toBe(before + 1);
    scope.stop();
  });

  it('treats a silent stream as dead and reconnects', () => {
    const stats = vi.fn();
    const { stream, scope } = start({ stats });
    latest().open();
    latest().emit('stats', { requests: 1 });
    vi.advanceTimersByTime(4000);
    expect(stream.state.value).toBe('open');
    vi.advanceTimersByTime(2000); // watchdog sees > 5 s without a message
    expect(stream.state.value).toBe('reconnecting');
    vi.advanceTimersByTime(1000);
    latest().emit('stats', { requests: 2 }); // a message also proves the stream is alive
    expect(stream.state.value).toBe('open');
    expect(stats).toHaveBeenLastCalledWith({ requests: 2 });
    scope.stop();
  });

  it('closes the source and stops retrying when its scope is disposed', () => {
    const { stream, scope } = start({ stats: vi.fn() });
    latest().fail();
    scope.stop();
    expect(stream.state.value).toBe('closed');
    vi.advanceTimersByTime(60_000);
    expect(FakeSource.all).toHaveLength(1);
  });

  it('reconnectNow skips the wait', () => {
    const { stream, scope } = start({ stats: vi.fn() });
    latest().fail();
    latest().fail(); // ignored: that source is already dropped
    stream.reconnectNow();
    expect(FakeSource.all).toHaveLength(2);
    expect(stream.retryAt.value).toBeNull();
    scope.stop();
  });
});
