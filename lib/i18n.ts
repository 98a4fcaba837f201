/**
 * Strings come from the browser's i18n (public/_locales/<lang>/messages.json), so the UI follows the
 * browser's language with no code of ours deciding it. A missing key shows itself, not an empty line.
 */
import { browser } from 'wxt/browser';
import type { FailureClass } from '../engine/failure';

export function t(key: string, substitutions?: Array<string | number>): string {
  const subs = substitutions?.map(String);
  // The polyfill's type only knows WXT's generated keys; ours are plain messages.json keys.
  const message = (browser.i18n.getMessage as (k: string, s?: string[]) => string)(key, subs);
  return message || key;
}

/** i18n keys allow only letters, digits and underscores. */
export function messageKey(prefix: string, value: string): string {
  return `${prefix}_${value.replace(/[^A-Za-z0-9]/g, '_')}`;
}

/** "the connection was reset", "its address could not be found", ... */
export function reasonText(failureClass: FailureClass): string {
  return t(messageKey('reason', failureClass));
}

export function uiLanguage(): string {
  return browser.i18n.getUILanguage();
}
