import type { DataResponse, Product } from '@app/api-types';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ApiError } from '../api/client.js';
import { useApi } from '../api/inject.js';
import { useConnectionStore } from './connection.js';
import { useHistoryStore } from './history.js';

export interface LookupResult {
  id: string;
  response: DataResponse;
  /** Epoch ms when the answer arrived: the TTL countdown starts from here. */
  receivedAt: number;
  /** Round trip measured in the browser (the server's response_time excludes the network). */
  roundTripMs: number;
  invalidated: boolean;
}

/** Same rule as the API's ids, so an impossible id is refused before a request is made. */
export const ID_PATTERN = /^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,128}$/;

export const useSearchStore = defineStore('search', () => {
  const api = useApi();
  const connection = useConnectionStore();
  const history = useHistoryStore();

  const result = ref<LookupResult | null>(null);
  const error = ref<ApiError | null>(null);
  const lastQuery = ref('');
  const loading = ref(false);
  const invalidating = ref(false);
  const suggestions = ref<Product[]>([]);

  let lookupAbort: AbortController | null = null;
  let suggestAbort: AbortController | null = null;

  async function lookup(rawId: string) {
    const id = rawId.trim();
    lastQuery.value = id;
    if (!ID_PATTERN.test(id)) {
      error.value = new ApiError('invalid id', 400, 'E_INVALID_ID');
      result.value = null;
      return;
    }
    lookupAbort?.abort();
    const abort = new AbortController();
    lookupAbort = abort;
    loading.value = true;
    const started = performance.now();
    try {
      const response = await api.getData(id, abort.signal);
      result.value = {
        id,
        response,
        receivedAt: Date.now(),
        roundTripMs: performance.now() - started,
        invalidated: false,
      };
      error.value = null;
      connection.noteRedis(!response.cache_down);
    } catch (err) {
      if (abort.signal.aborted) return;
      if (!(err instanceof ApiError)) throw err;
      error.value = err;
      result.value = null;
    } finally {
      if (lookupAbort === abort) {
        loading.value = false;
        lookupAbort = null;
      }
    }
    void history.load();
  }

  async function suggest(text: string) {
    const q = text.trim();
    suggestAbort?.abort();
    if (q.length < 2) {
      suggestions.value = [];
      return;
    }
    const abort = new AbortController();
    suggestAbort = abort;
    try {
      const answer = await api.searchProducts(q, 8, abort.signal);
      if (!abort.signal.aborted) suggestions.value = answer.products;
    } catch {
      if (!abort.signal.aborted) suggestions.value = []; // suggestions are a nicety: fail quietly
    }
  }

  function clearSuggestions() {
    suggestAbort?.abort();
    suggestions.value = [];
  }

  async function invalidate() {
    const current = result.value;
    if (!current) return;
    invalidating.value = true;
    try {
      await api.invalidate(current.id);
      if (result.value === current) result.value = { ...current, invalidated: true };
      error.value = null;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      error.value = err;
    } finally {
      invalidating.value = false;
    }
  }

  return {
    result,
    error,
    lastQuery,
    loading,
    invalidating,
    suggestions,
    lookup,
    suggest,
    clearSuggestions,
    invalidate,
  };
});
