import { type InjectionKey, inject } from 'vue';
import type { ApiClient } from './client.js';

export const apiClientKey: InjectionKey<ApiClient> = Symbol('apiClient');

/** The app's API client (provided once in main.ts; tests provide one over a fake fetch). */
export function useApi(): ApiClient {
  const client = inject(apiClientKey, null);
  if (!client) throw new Error('No API client provided: app.provide(apiClientKey, createApiClient(…))');
  return client;
}
