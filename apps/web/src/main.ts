import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { createApiClient } from './api/client.js';
import { apiClientKey } from './api/inject.js';
import { createAppI18n } from './i18n/index.js';
import { useConnectionStore } from './stores/connection.js';
import { useSettingsStore } from './stores/settings.js';
import './styles/theme.css';

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);

const settings = useSettingsStore(pinia);
app.provide(
  apiClientKey,
  createApiClient({
    getToken: () => settings.adminToken,
    // Every answer (or its absence) tells the banner whether the API and Redis are there.
    onOutcome: (outcome) => useConnectionStore(pinia).noteOutcome(outcome),
  }),
);
app.use(createAppI18n(settings.locale));
app.mount('#app');
