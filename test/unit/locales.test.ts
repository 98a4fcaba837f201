import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { localeMessages } from '../../scripts/locales';

// What the build ships: the UI's messages with the engine's sentences merged in.
const dir = new URL('../../public/_locales/', import.meta.url);
const load = localeMessages;
const en = load('en');

function placeholders(message: string): string[] {
  return [...new Set(message.match(/\$\d/g) ?? [])].sort();
}

describe('locales', () => {
  const languages = readdirSync(dir).filter((l) => l !== 'en');

  it('ships English and Russian at least', () => {
    expect(languages).toContain('ru');
  });

  it.each(languages)('%s translates every English message with the same substitutions', (lang) => {
    const other = load(lang);
    expect(Object.keys(other).sort()).toEqual(Object.keys(en).sort());
    for (const [key, { message }] of Object.entries(en)) {
      expect(placeholders(other[key]!.message), `${lang}:${key}`).toEqual(placeholders(message));
      expect(other[key]!.message.trim(), `${lang}:${key}`).not.toBe('');
    }
  });

  it('uses only keys Chrome accepts', () => {
    for (const key of Object.keys(en)) expect(key).toMatch(/^[A-Za-z0-9_]+$/);
  });

  it('has a reason sentence for every failure class', async () => {
    const { FAILURE_CLASSES } = await import('../../engine/failure');
    for (const c of FAILURE_CLASSES) expect(en[`reason_${c.replace(/-/g, '_')}`], c).toBeDefined();
  });
});
