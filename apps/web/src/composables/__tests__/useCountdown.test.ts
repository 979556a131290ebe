import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { effectScope } from 'vue';
import { useCountdown } from '../useCountdown.js';

describe('useCountdown', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('counts down live, stops at zero and reports expiry', () => {
    const scope = effectScope();
    const countdown = scope.run(() => useCountdown({ tickMs: 100 }))!;
    expect(countdown.remainingMs.value).toBeNull();
    countdown.start(3000);
    expect(countdown.remainingMs.value).toBe(3000);
    vi.advanceTimersByTime(1000);
    expect(countdown.remainingMs.value).toBe(2000);
    expect(countdown.fraction.value).toBeCloseTo(2 / 3);
    vi.advanceTimersByTime(5000);
    expect(countdown.remainingMs.value).toBe(0);
    expect(countdown.expired.value).toBe(true);
    expect(vi.getTimerCount()).toBe(0); // no timer left once expired
    scope.stop();
  });

  it('restarts from a new value and clears on null', () => {
    const scope = effectScope();
    const countdown = scope.run(() => useCountdown({ tickMs: 100 }))!;
    countdown.start(1000);
    vi.advanceTimersByTime(500);
    countdown.start(10_000);
    expect(countdown.remainingMs.value).toBe(10_000);
    countdown.start(null);
    expect(countdown.remainingMs.value).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
    scope.stop();
  });

  it('stops ticking when its scope is disposed', () => {
    const scope = effectScope();
    const countdown = scope.run(() => useCountdown())!;
    countdown.start(60_000);
    expect(vi.getTimerCount()).toBe(1);
    scope.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
