import type { ReadyResponse } from '@app/api-types';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { ApiError } from '../api/client.js';
import { useApi } from '../api/inject.js';

/**
 * Where the cache's answers come from on a miss (the catalog's store) and, for PostgreSQL, the
 * workers' change-stream consumer: both from /readyz, which reports them for the postgres store.
 */
export const useOriginStore = defineStore('origin', () => {
  const api = useApi();
  const ready = ref<ReadyResponse | null>(null);
  const error = ref<ApiError | null>(null);

  async function load() {
    try {
      ready.value = await api.getReadiness();
      error.value = null;
    } catch (err) {
      if (err instanceof ApiError) error.value = err;
      else throw err;
    }
  }

  const changeStream = computed(() => ready.value?.change_stream ?? null);
  return { ready, error, changeStream, load };
});
