import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';

export type Locale = 'fr' | 'en';
export const LOCALES: Locale[] = ['fr', 'en'];

const TOKEN_KEY = 'monitor.adminToken';
const LOCALE_KEY = 'monitor.locale';

function readStorage(storage: () => Storage, key: string): string | null {
  try {
    return storage().getItem(key);
  } catch {
    return null; // storage disabled (private mode, sandboxed iframe): fall back to defaults
  }
}

function writeStorage(storage: () => Storage, key: string, value: string | null) {
  try {
    if (value === null) storage().removeItem(key);
    else storage().setItem(key, value);
  } catch {
    // not persisted; the in-memory value still applies for this page
  }
}

export function isLocale(value: unknown): value is Locale {
  return value === 'fr' || value === 'en';
}

/**
 * What the person chose: the admin token lives in sessionStorage (gone when the tab closes, never
 * in localStorage), the language in localStorage (French by default, as the seed).
 */
export const useSettingsStore = defineStore('settings', () => {
  const adminToken = ref<string | null>(readStorage(() => sessionStorage, TOKEN_KEY));
  const storedLocale = readStorage(() => localStorage, LOCALE_KEY);
  const locale = ref<Locale>(isLocale(storedLocale) ? storedLocale : 'fr');

  const hasToken = computed(() => !!adminToken.value);

  function setToken(token: string | null) {
    const trimmed = token?.trim() || null;
    adminToken.value = trimmed;
  }

  function setLocale(next: Locale) {
    locale.value = next;
  }

  watch(adminToken, (value) => writeStorage(() => sessionStorage, TOKEN_KEY, value));
  watch(locale, (value) => writeStorage(() => localStorage, LOCALE_KEY, value));

  return { adminToken, hasToken, locale, setToken, setLocale };
});
