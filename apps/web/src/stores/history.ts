import type { HistoryResponse } from '@app/api-types';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ApiError } from '../api/client.js';
import { useApi } from '../api/inject.js';

/** Recent and top searches, shared by every monitor (kept in Redis by the API). */
export const useHistoryStore = defineStore('history', () => {
  const api = useApi();
  const recent = ref<HistoryResponse['recent']>([]);
  const top = ref<HistoryResponse['top']>([]);
  const error = ref<ApiError | null>(null);
  const loaded = ref(false);

  async function load(limit = 10) {
    try {
      const answer = await api.getHistory(limit);
      recent.value = answer.recent;
      top.value = answer.top;
      error.value = null;
      loaded.value = true;
    } catch (err) {
      if (err instanceof ApiError) error.value = err;
      else throw err;
    }
  }

  return { recent, top, error, loaded, load };
});
