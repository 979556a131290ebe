import { createI18n } from 'vue-i18n';
import type { Locale } from '../stores/settings.js';
import { en } from './en.js';
import { fr, type MessageSchema } from './fr.js';

export function createAppI18n(locale: Locale) {
  return createI18n<[MessageSchema], Locale, false>({
    legacy: false,
    locale,
    fallbackLocale: 'fr',
    messages: { fr, en },
  });
}

export type AppI18n = ReturnType<typeof createAppI18n>;
