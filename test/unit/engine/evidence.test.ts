import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  EVIDENCE,
  EVIDENCE_CODES,
  evidenceMessageName,
  evidenceSubstitutions,
  isEvidenceCode,
  verdictMessageNames,
} from '../../../engine/evidence';
import { classify } from '../../../engine/verdict';
import { scenarios } from './scenarios';

type Messages = Record<string, { message: string; description: string }>;
const i18nDir = new URL('../../../engine/i18n/', import.meta.url);
const LANGS = readdirSync(i18nDir).map((file) => file.replace(/\.json$/, ''));
const locales: Record<string, Messages> = Object.fromEntries(
  LANGS.map((lang) => [lang, JSON.parse(readFileSync(new URL(`${lang}.json`, i18nDir), 'utf8')) as Messages]),
);

const KINDS = ['censorship', 'outage', 'local', 'ok', 'unknown'] as const;
const METHODS = ['dns', 'tcp_ip', 'tls', 'http-failure', 'http-diff', 'blockpage', 'http-451', 'interception', 'throttling'] as const;
const CAUSES = ['offline', 'captive-portal', 'proxy', 'ipv6', 'network', 'browser'] as const;

const allNames = [
  ...EVIDENCE_CODES.map(evidenceMessageName),
  ...KINDS.map((kind) => verdictMessageNames({ kind }).kind),
  ...METHODS.map((method) => verdictMessageNames({ kind: 'censorship', method }).method!),
  ...CAUSES.map((localCause) => verdictMessageNames({ kind: 'local', localCause }).localCause!),
];

describe('evidence codes', () => {
  it('are snake_case, so they are valid Chrome i18n message names', () => {
    for (const name of allNames) expect(name).toMatch(/^[A-Za-z0-9_]+$/);
  });

  it('every code the engine emits is declared (scanning the sources for ev() calls)', () => {
    const sources = ['analysis/local.ts', 'analysis/blockpage.ts', 'analysis/dns.ts', 'analysis/tcp.ts', 'analysis/tls.ts', 'analysis/http.ts', 'analysis/throughput.ts', 'verdict-core.ts', 'report-support.ts', '../lib/probe-scheduler.ts']
      .map((f) => readFileSync(new URL(`../../../engine/${f}`, import.meta.url), 'utf8'))
      .join('\n');
    const used = new Set([...sources.matchAll(/ev\('([a-z0-9_]+)'/g)].map((m) => m[1]!));
    for (const code of used) expect(isEvidenceCode(code), code).toBe(true);
    // Codes nobody emits are dead entries a translator would waste time on.
    const typed = new Set([...sources.matchAll(/'([a-z0-9_]+)'/g)].map((m) => m[1]!));
    for (const code of EVIDENCE_CODES) expect(typed.has(code), `${code} is never emitted`).toBe(true);
  });

  it('evidence params carry exactly the declared names', () => {
    const all = Object.values(scenarios).flatMap((s) => [classify(s.withControl), classify(s.withoutControl)]);
    for (const e of all.flatMap((v) => v.evidence)) {
      expect(isEvidenceCode(e.code), e.code).toBe(true);
      const declared = EVIDENCE[e.code as keyof typeof EVIDENCE].params as readonly string[];
      expect(Object.keys(e.params ?? {}).sort(), e.code).toEqual([...declared].sort());
    }
  });

  it('substitutions follow the declared order', () => {
    expect(evidenceSubstitutions({ code: 'dns_inconsistent', params: { reference: '2.2.2.2', address: '10.0.0.1' } })).toEqual([
      '10.0.0.1',
      '2.2.2.2',
    ]);
    expect(evidenceSubstitutions({ code: 'not_a_code' })).toEqual([]);
  });
});

describe('engine/i18n', () => {
  it.each(LANGS)('%s has a message and a description for every code, kind, method and local cause', (locale) => {
    const messages = locales[locale]!;
    expect(Object.keys(messages).sort()).toEqual([...allNames].sort());
    for (const name of allNames) {
      expect(messages[name]!.message.trim().length, name).toBeGreaterThan(0);
      expect(messages[name]!.description.trim().length, name).toBeGreaterThan(0);
    }
  });

  it.each(LANGS)('%s only uses $1..$n for declared params, and no stray $', (locale) => {
    for (const code of EVIDENCE_CODES) {
      const { message, description } = locales[locale]![evidenceMessageName(code)]!;
      for (const text of [message, description]) {
        const refs = [...text.matchAll(/\$(\d)/g)].map((m) => Number(m[1]));
        for (const n of refs) expect(n, `${locale} ${code}: $${n}`).toBeLessThanOrEqual(EVIDENCE[code].params.length);
        expect(text.replace(/\$\d/g, ''), `${locale} ${code}`).not.toContain('$');
      }
    }
  });

  it.each(LANGS)('%s uses the same substitutions as English in each message', (lang) => {
    for (const name of allNames) {
      const refs = (text: string) => [...text.matchAll(/\$(\d)/g)].map((m) => m[1]).sort();
      expect(refs(locales[lang]![name]!.message), name).toEqual(refs(locales.en![name]!.message));
    }
  });

  it('Russian messages are in Cyrillic, not left in English', () => {
    for (const name of allNames) {
      expect(locales.ru![name]!.message, name).toMatch(/[а-яё]/i);
      expect(locales.ru![name]!.message, name).not.toBe(locales.en![name]!.message);
    }
  });
});
