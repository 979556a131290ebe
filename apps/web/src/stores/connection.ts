import type { ReadyResponse } from '@app/api-types';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ApiError } from '../api/client.js';
import { useApi } from '../api/inject.js';
import type { StreamState } from '../composables/useEventStream.js';

export type ConnectionProblem = 'api-down' | 'redis-down' | null;

/**
 * Is the API answering, and is Redis behind it usable? Fed by every HTTP outcome (the client
 * reports them), by the live stream's state and by /readyz, so the banner appears as soon as any
 * of them notices and clears once they agree things are back.
 */
export const useConnectionStore = defineStore('connection', () => {
  const api = useApi();

  const apiReachable = ref(true);
  const redisUp = ref<boolean | null>(null);
  const readiness = ref<ReadyResponse | null>(null);
  const streamState = ref<StreamState>('connecting');
  const streamRetryAt = ref<number | null>(null);
  const lastProblemAt = ref<number | null>(null);

  function noteOutcome(outcome: { ok: true } | { ok: false; error: ApiError }) {
    if (outcome.ok) {
      apiReachable.value = true;
      return;
    }
    const { error } = outcome;
    if (error.apiUnreachable) {
      apiReachable.value = false;
      lastProblemAt.value = Date.now();
    } else {
      apiReachable.value = true;
      if (error.redisUnavailable) {
        redisUp.value = false;
        lastProblemAt.value = Date.now();
      }
    }
  }

  function noteRedis(up: boolean) {
    redisUp.value = up;
    if (!up) lastProblemAt.value = Date.now();
  }

  async function checkReadiness() {
    try {
      const answer = await api.getReadiness();
      readiness.value = answer;
      noteRedis(answer.redis === 'up');
    } catch {
      readiness.value = null; // noteOutcome already marked the API unreachable
    }
  }

  function setStream(state: StreamState, retryAt: number | null) {
    streamState.value = state;
    streamRetryAt.value = retryAt;
    if (state === 'open') apiReachable.value = true;
  }

  const problem = computed<ConnectionProblem>(() => {
    if (!apiReachable.value) return 'api-down';
    if (redisUp.value === false) return 'redis-down';
    return null;
  });

  const reconnecting = computed(() => streamState.value === 'reconnecting');

  return {
    apiReachable,
    redisUp,
    readiness,
    streamState,
    streamRetryAt,
    lastProblemAt,
    problem,
    reconnecting,
    noteOutcome,
    noteRedis,
    checkReadiness,
    setStream,
  };
});
