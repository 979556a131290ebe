import type { StatsResponse, StatsSeriesPoint, StreamErrorPayload } from '@app/api-types';
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { ApiError } from '../api/client.js';
import { useApi } from '../api/inject.js';
import { median } from '../format.js';
import { useConfigStore } from './config.js';
import { useConnectionStore } from './connection.js';
import { isStreamError, REDIS_DOWN_CODES } from './stream-payload.js';

/** One live reading, kept for the sparklines. */
export interface StatsSample {
  t: number;
  hitRatioLastMinute: number;
  hitRatioTotal: number;
  requestsPerSec: number;
  opsPerSec: number;
  usedMemory: number;
}

const MAX_SAMPLES = 90;

export const useStatsStore = defineStore('stats', () => {
  const api = useApi();
  const connection = useConnectionStore();
  const config = useConfigStore();

  const current = ref<StatsResponse | null>(null);
  const error = ref<StreamErrorPayload | ApiError | null>(null);
  const samples = shallowRef<StatsSample[]>([]);
  const series = shallowRef<StatsSeriesPoint[]>([]);
  const seriesError = ref<ApiError | null>(null);
  let previous: { t: number; requests: number } | null = null;

  function ingest(payload: StatsResponse | StreamErrorPayload, at = Date.now()) {
    if (isStreamError(payload)) {
      error.value = payload;
      if (REDIS_DOWN_CODES.has(payload.code)) connection.noteRedis(false);
      return;
    }
    error.value = null;
    connection.noteRedis(true);
    config.noteOriginDelay(payload.origin_delay_ms);
    let requestsPerSec = 0;
    if (previous && at > previous.t && payload.requests >= previous.requests) {
      requestsPerSec = (payload.requests - previous.requests) / ((at - previous.t) / 1000);
    }
    previous = { t: at, requests: payload.requests };
    current.value = payload;
    const sample: StatsSample = {
      t: at,
      hitRatioLastMinute: payload.last_minute.hit_ratio,
      hitRatioTotal: payload.hit_ratio,
      requestsPerSec,
      opsPerSec: payload.redis.ops_per_sec,
      usedMemory: payload.redis.used_memory,
    };
    samples.value = [...samples.value, sample].slice(-MAX_SAMPLES);
  }

  async function load() {
    try {
      ingest(await api.getStats());
    } catch (err) {
      if (err instanceof ApiError) error.value = err;
      else throw err;
    }
  }

  async function loadSeries(seconds = 60) {
    try {
      series.value = (await api.getStatsSeries(seconds)).points;
      seriesError.value = null;
    } catch (err) {
      if (err instanceof ApiError) seriesError.value = err;
      else throw err;
    }
  }

  /** Medians over the seconds that had such requests: one slow outlier does not move them. */
  // Over the last minute when it had traffic, else the server's all-time histogram median.
  const medianCacheMs = computed(
    () =>
      median(series.value.filter((p) => p.hits > 0).map((p) => p.avg_cache_ms)) ??
      current.value?.percentiles.cache.p50 ??
      null,
  );
  const medianDbMs = computed(
    () =>
      median(series.value.filter((p) => p.misses > 0).map((p) => p.avg_db_ms)) ??
      current.value?.percentiles.database.p50 ??
      null,
  );
  const speedup = computed(() => {
    const cache = medianCacheMs.value;
    const db = medianDbMs.value;
    if (cache !== null && db !== null && cache > 0) return db / cache;
    return current.value?.speedup ?? null;
  });
  const requestsPerSec = computed(() => samples.value.at(-1)?.requestsPerSec ?? null);

  return {
    current,
    error,
    samples,
    series,
    seriesError,
    medianCacheMs,
    medianDbMs,
    speedup,
    requestsPerSec,
    ingest,
    load,
    loadSeries,
  };
});
