/**
 * The browser's i18n reads one messages.json per language. Detour's strings come from two places:
 * the UI's own (public/_locales/<lang>/messages.json) and the engine's sentences for its verdicts and
 * evidence (engine/i18n/<lang>.json, kept with the engine so the service can render them too).
 * The build merges them (wxt.config.ts); unit tests read the same merge.
 */
import { readFileSync } from 'node:fs';

export type Messages = Record<string, { message: string; description?: string }>;

const root = new URL('../', import.meta.url);

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(new URL(path, root), 'utf8')) as T;
}

export function localeMessages(lang: string): Messages {
  const ui = readJson<Messages>(`public/_locales/${lang}/messages.json`);
  const engine = readJson<Messages>(`engine/i18n/${lang}.json`);
  const clash = Object.keys(engine).filter((key) => key in ui);
  if (clash.length > 0) throw new Error(`messages defined twice for ${lang}: ${clash.join(', ')}`);
  return { ...ui, ...engine };
}
