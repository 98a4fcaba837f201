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

/** Keys that end in a CLDR plural category, such as times_few; the family is "times". */
const PLURAL_CATEGORIES = ['zero', 'one', 'two', 'few', 'many', 'other'];
function pluralFamily(key: string): string | undefined {
  const at = key.lastIndexOf('_');
  const family = key.slice(0, at);
  return at > 0 && PLURAL_CATEGORIES.includes(key.slice(at + 1)) && `${family}_one` in en && `${family}_other` in en ? family : undefined;
}

/** A translation must be written in its language's script; Latin-script languages must differ from English. */
const SCRIPTS: Record<string, RegExp> = {
  ru: /[а-яё]/i,
  uk: /[а-щьюяєіїґ]/i,
  be: /[а-яёіў]/i,
  fa: /[\u0600-\u06FF]/,
  ar: /[\u0600-\u06FF]/,
  zh_CN: /[\u4E00-\u9FFF]/,
};
/** Names that are the same in every language: the brand, and messages that are only an address or a number. */
const UNTRANSLATED = new Set(['extName']);

describe('locales', () => {
  const languages = readdirSync(dir).filter((l) => l !== 'en');

  it('ships English and Russian at least', () => {
    expect(languages).toContain('ru');
  });

  it.each(languages)('%s translates every English message with the same substitutions', (lang) => {
    const other = load(lang);
    expect(Object.keys(other).filter((k) => !pluralFamily(k)).sort()).toEqual(Object.keys(en).filter((k) => !pluralFamily(k)).sort());
    for (const [key, { message }] of Object.entries(en)) {
      if (pluralFamily(key)) continue;
      expect(placeholders(other[key]!.message), `${lang}:${key}`).toEqual(placeholders(message));
      expect(other[key]!.message.trim(), `${lang}:${key}`).not.toBe('');
    }
  });

  it.each(languages)('%s has exactly the plural forms its grammar uses, each with the count', (lang) => {
    const other = load(lang);
    const categories = new Intl.PluralRules(lang.replace('_', '-')).resolvedOptions().pluralCategories.sort();
    for (const family of new Set(Object.keys(en).map(pluralFamily).filter(Boolean))) {
      const forms = Object.keys(other).filter((k) => pluralFamily(k) === family).map((k) => k.slice(family!.length + 1));
      expect(forms.sort(), `${lang}:${family}`).toEqual(categories);
      for (const form of forms) expect(other[`${family}_${form}`]!.message, `${lang}:${family}_${form}`).toContain('$1');
    }
  });

  it.each(languages)('%s leaves nothing in English but brand names and addresses', (lang) => {
    const other = load(lang);
    const script = SCRIPTS[lang];
    for (const [key, { message }] of Object.entries(other)) {
      if (UNTRANSLATED.has(key) || pluralFamily(key)) continue;
      if (script) expect(message, `${lang}:${key}`).toMatch(script);
      else if (en[key]!.message.length > 3) expect(message, `${lang}:${key}`).not.toBe(en[key]!.message);
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
