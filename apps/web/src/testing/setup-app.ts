import { createPinia, setActivePinia } from 'pinia';
import { type App, createApp } from 'vue';
import { type ApiClient, createApiClient } from '../api/client.js';
import { apiClientKey } from '../api/inject.js';
import { createAppI18n } from '../i18n/index.js';
import { useConnectionStore } from '../stores/connection.js';
import { type Locale, useSettingsStore } from '../stores/settings.js';
import { createFakeFetch, type FakeFetch } from './fake-fetch.js';

/**
 * The same wiring as main.ts (pinia, i18n, the API client provided to stores) over a fake
 * fetch. `global` goes to @vue/test-utils' mount so components share these stores.
 */
export function setupApp(options: { locale?: Locale } = {}) {
  const fake: FakeFetch = createFakeFetch();
  const app: App = createApp({});
  const pinia = createPinia();
  app.use(pinia);
  setActivePinia(pinia);
  const settings = useSettingsStore(pinia);
  const client: ApiClient = createApiClient({
    fetch: fake.fetch,
    getToken: () => settings.adminToken,
    onOutcome: (outcome) => useConnectionStore(pinia).noteOutcome(outcome),
  });
  app.provide(apiClientKey, client);
  const i18n = createAppI18n(options.locale ?? settings.locale);
  app.use(i18n);
  return {
    app,
    pinia,
    fake,
    client,
    i18n,
    global: { plugins: [pinia, i18n], provide: { [apiClientKey as symbol]: client } },
  };
}

/** Lets pending promise callbacks (fetch → store) run. */
export async function settle(times = 5) {
  for (let i = 0; i < times; i += 1) await new Promise((resolve) => setTimeout(resolve, 0));
}
