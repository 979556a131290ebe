import type { CacheKeyResponse, KeyInfo } from '@app/api-types';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { ApiError } from '../api/client.js';
import { useApi } from '../api/inject.js';

const PAGE_COUNT = 50;

/** A scanned key and when it was read, so its TTL can keep counting down on screen. */
export interface ScannedKey extends KeyInfo {
  receivedAt: number;
}

/** Cache key browser: SCAN pages, one cursor at a time (the API never runs KEYS). */
export const useKeysStore = defineStore('keys', () => {
  const api = useApi();
  const pattern = ref('data:*');
  const keys = ref<ScannedKey[]>([]);
  /** Next SCAN cursor; "0" once the scan went all the way round. */
  const cursor = ref<string | null>(null);
  const loading = ref(false);
  const error = ref<ApiError | null>(null);
  const selected = ref<CacheKeyResponse | null>(null);
  const selectedError = ref<ApiError | null>(null);
  const scannedPattern = ref<string | null>(null);

  const finished = computed(() => cursor.value === '0');
  const canLoadMore = computed(() => cursor.value !== null && cursor.value !== '0');

  async function fetchPage(from: string) {
    loading.value = true;
    try {
      const page = await api.scanKeys({
        pattern: pattern.value || undefined,
        cursor: from,
        count: PAGE_COUNT,
      });
      // SCAN may return a key twice across pages; keep the first.
      const seen = new Set(keys.value.map((k) => k.key));
      const receivedAt = Date.now();
      const fresh = page.keys.filter((k) => !seen.has(k.key)).map((k) => ({ ...k, receivedAt }));
      keys.value = [...keys.value, ...fresh];
      cursor.value = page.cursor;
      error.value = null;
    } catch (err) {
      if (err instanceof ApiError) error.value = err;
      else throw err;
    } finally {
      loading.value = false;
    }
  }

  async function scan() {
    keys.value = [];
    cursor.value = null;
    scannedPattern.value = pattern.value;
    await fetchPage('0');
  }

  async function loadMore() {
    if (canLoadMore.value && cursor.value) await fetchPage(cursor.value);
  }

  async function inspect(key: string) {
    try {
      selected.value = await api.getKey(key);
      selectedError.value = null;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      selected.value = null;
      selectedError.value = err;
    }
  }

  async function remove(key: string) {
    try {
      const answer = await api.deleteKey(key);
      keys.value = keys.value.filter((k) => k.key !== key);
      if (selected.value?.key === key) selected.value = null;
      error.value = null;
      return answer.deleted;
    } catch (err) {
      if (err instanceof ApiError) error.value = err;
      else throw err;
      return false;
    }
  }

  function closeInspector() {
    selected.value = null;
    selectedError.value = null;
  }

  return {
    pattern,
    keys,
    cursor,
    loading,
    error,
    selected,
    selectedError,
    scannedPattern,
    finished,
    canLoadMore,
    scan,
    loadMore,
    inspect,
    remove,
    closeInspector,
  };
});
