import type { ConfigResponse } from '@app/api-types';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ApiError } from '../api/client.js';
import { useApi } from '../api/inject.js';

/** The server's settings that change what the UI shows (origin delay, TTL, topology). */
export const useConfigStore = defineStore('config', () => {
  const api = useApi();
  const config = ref<ConfigResponse | null>(null);
  const error = ref<ApiError | null>(null);

  async function load() {
    try {
      config.value = await api.getConfig();
      error.value = null;
    } catch (err) {
      if (err instanceof ApiError) error.value = err;
      else throw err;
    }
  }

  /** The live stats carry the delay too, so a changed server setting shows without a reload. */
  function noteOriginDelay(ms: number) {
    if (config.value && config.value.origin_delay_ms !== ms)
      config.value = { ...config.value, origin_delay_ms: ms };
  }

  return { config, error, load, noteOriginDelay };
});
