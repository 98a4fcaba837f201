/**
 * storage.local is untrusted input: an older version's data, a crash mid-write, a hand edit, another
 * tool. One test per stored key, each with hostile values (wrong types, huge strings, query strings
 * and fragments, javascript: URLs, __proto__ keys, NaN and Infinity, nested garbage), against the
 * whole background as it starts. Nothing corrupt may reach a page (the answers to the popup's
 * messages) or set off a request.
 *
 * Keys: lib/detour-state.ts STORAGE_KEYS, lib/probe-scheduler.ts SCHEDULER_KEYS.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import background from '../../entrypoints/background';
import { EVIDENCE_CODES } from '../../engine/evidence';
import { STORAGE_KEYS } from '../../lib/storage';

import { DEFAULT_SETTINGS } from '../../lib/settings';
import { MAX_EVIDENCE, MAX_PARAM_CHARS } from '../../lib/stored-probe-state';
import { ask, installFakes, loopbackOnlyFetch, preloadStorage } from './fakes';

const HUGE = 'x'.repeat(1_000_000);
/** An own `__proto__` key, as JSON.parse (or a structured clone of its result) makes one. */
const withProto = <T extends object>(value: T, proto: unknown): T => Object.assign(JSON.parse(`{"__proto__": ${JSON.stringify(proto)}}`), value);

beforeEach(() => {
  fakeBrowser.reset();
  installFakes();
});

describe(`stored ${STORAGE_KEYS.failureLog}`, () => {
  const entry = (fields: Record<string, unknown>) => ({ url: 'https://mailbox.org/', class: 'reset', error: 'net::ERR_CONNECTION_RESET', source: 'request', firstAt: 1, lastAt: 2, count: 1, ...fields });

  it('keeps no query string or fragment, and drops entries of another host, scheme or shape', async () => {
    preloadStorage({
      failureLog: {
        version: 1,
        hosts: withProto(
          {
            'mailbox.org': {
              entries: [
                entry({ url: 'https://mailbox.org/inbox?session=SECRET#msg-1', lastAt: 10 }),
                entry({ url: 'javascript:alert(document.cookie)//mailbox.org/' }),
                entry({ url: 'https://evil.example/mailbox.org/login' }),
                entry({ url: `https://mailbox.org/${HUGE}` }),
                entry({ url: 'https://mailbox.org/', firstAt: Number.NaN }),
                entry({ url: 'https://mailbox.org/', count: Number.POSITIVE_INFINITY }),
                entry({ url: 'https://mailbox.org/', class: { toString: 'reset' } }),
                // Valid, with hostile decorations: those go, the entry stays.
                entry({ url: 'https://mailbox.org/x', lastAt: 9, error: HUGE, redirectHost: 'evil.example/?q=1', ip: '<img src=x>', resourceType: HUGE, status: 1e9 }),
              ],
              lastOkAt: Number.NaN,
            },
            'MAILBOX.org': { entries: [entry({})] },
            'javascript:alert(1)': { entries: [entry({})] },
          },
          { entries: [entry({})] },
        ),
      },
    });
    background.main();
    const state = await ask({ type: 'get-state', host: 'mailbox.org' });
    expect(state.failures.map((f) => f.url)).toEqual(['https://mailbox.org/inbox', 'https://mailbox.org/x']);
    const decorated = state.failures[1]!;
    expect(decorated.error).toHaveLength(500);
    for (const field of ['redirectHost', 'ip', 'resourceType', 'status'] as const) expect(decorated, field).not.toHaveProperty(field);
    expect(state.lastOkAt).toBeUndefined();
    const text = JSON.stringify(await ask({ type: 'get-overview' }));
    for (const bad of ['SECRET', 'javascript', 'evil.example', '<img']) expect(text).not.toContain(bad);
    expect((await ask({ type: 'get-overview' })).hosts.map((h) => h.host)).toEqual(['mailbox.org']);
    expect((await ask({ type: 'get-status' })).storageProblems).toEqual(['failure log: 9 corrupt item(s) dropped']);
  });
});

describe(`stored ${STORAGE_KEYS.userDomains}`, () => {
  it('keeps what add() would accept: domains, normalised, not the catalog\'s, bounded', async () => {
    preloadStorage({
      userDomains: [
        'ok.example.org',
        'https://User.Example.net/inbox?token=SECRET#x',
        HUGE,
        42,
        null,
        { domain: 'obj.example.org' },
        ['arr.example.org'],
        'javascript:alert(1)',
        '__proto__',
        Number.NaN,
        'mail.proton.me',
        '127.0.0.1',
        ...Array.from({ length: 10_000 }, (_, i) => `spam${i}.example.org`),
      ],
    });
    background.main();
    const user = (await ask({ type: 'get-watch-list' })).domains.filter((d) => d.origin === 'user').map((d) => d.domain);
    expect(user.slice(0, 2)).toEqual(['ok.example.org', 'spam0.example.org']);
    expect(user).toContain('user.example.net');
    expect(user).not.toContain('mail.proton.me');
    expect(user.length).toBeLessThanOrEqual(200);
    expect(JSON.stringify(user)).not.toMatch(/SECRET|javascript|proto|obj|arr/);
  });
});

describe(`stored ${STORAGE_KEYS.settings}`, () => {
  it('keeps the defaults for every hostile field and reports each one', async () => {
    preloadStorage({
      settings: withProto(
        {
          dohResolvers: ['http://dns.evil.example/dns-query'],
          controlUrl: 'javascript:alert(1)',
          canaries: [{ url: 'http://canary.example/', expect: HUGE }],
          probeBudgetMs: Number.NaN,
          stallAfterMs: Number.POSITIVE_INFINITY,
        },
        { controlUrl: 'http://evil.example/' },
      ),
    });
    background.main();
    const { settings } = await ask({ type: 'get-settings' });
    expect(settings).toEqual(DEFAULT_SETTINGS);
    const problems = (await ask({ type: 'get-status' })).storageProblems;
    expect(problems.map((p) => p.split(':')[0])).toEqual(['settings.dohResolvers', 'settings.canaries', 'settings.controlUrl', 'settings.probeBudgetMs', 'settings.stallAfterMs']);
  });

  it('refuses a wrong type for the whole object', async () => {
    preloadStorage({ settings: [HUGE] });
    background.main();
    expect((await ask({ type: 'get-settings' })).settings).toEqual(DEFAULT_SETTINGS);
    expect((await ask({ type: 'get-status' })).storageProblems).toEqual(['settings: not an object, every default used']);
  });
});

describe(`stored ${STORAGE_KEYS.verdicts}`, () => {
  const now = Date.now();
  const stored = (host: string, fields: Record<string, unknown> = {}, verdict: Record<string, unknown> = {}) => ({
    runId: 'r1',
    host,
    url: `https://${host}/`,
    trigger: 'reset',
    startedAt: now - 2000,
    finishedAt: now - 1000,
    ...fields,
    verdict: { kind: 'censorship', method: 'tls', confidence: 0.8, confirmed: false, evidence: [], ...verdict },
  });

  it('gives the popup only a verdict it can render: known codes, plain bounded params, no query, no observations', async () => {
    const garbage = [
      { code: 'tls_failed_with_sni', params: { host: 'mailbox.org', failure: 'reset' } },
      { code: 'no_such_code' },
      { code: 42 },
      null,
      'tcp_timeout',
      { code: '__proto__' },
      { code: 'tcp_timeout', params: { endpoint: { nested: ['garbage'] } } },
      { code: 'tcp_timeout', params: ['45.90.28.10:443'] },
      { code: 'fast_failure', params: { ms: Number.NaN } },
      { code: 'dns_nxdomain', params: withProto({ host: HUGE, extra: 'not in the message' }, { polluted: true }) },
      ...Array.from({ length: 10_000 }, () => ({ code: 'tcp_ok', params: { endpoint: '45.90.28.10:443' } })),
    ];
    preloadStorage({
      verdicts: withProto(
        {
          'mailbox.org': stored(
            'mailbox.org',
            { url: 'https://mailbox.org/inbox?token=SECRET#msg', observations: { http: [{ url: 'x', ok: true, body: '<secret page>' }], junk: HUGE } },
            { evidence: garbage },
          ),
        },
        stored('mailbox.org'),
      ),
    });
    background.main();
    const { verdict } = await ask({ type: 'get-state', host: 'mailbox.org' });
    expect(verdict).toBeDefined();
    expect(verdict!.url).toBe('https://mailbox.org/inbox');
    expect(verdict!.observations).toBeUndefined();
    const evidence = verdict!.verdict.evidence;
    expect(evidence.length).toBeLessThanOrEqual(MAX_EVIDENCE);
    expect(evidence[0]).toEqual({ code: 'tls_failed_with_sni', params: { host: 'mailbox.org', failure: 'reset' } });
    expect(evidence[1]).toEqual({ code: 'dns_nxdomain', params: { host: 'x'.repeat(MAX_PARAM_CHARS) } });
    for (const e of evidence) {
      expect(EVIDENCE_CODES).toContain(e.code);
      for (const value of Object.values(e.params ?? {})) expect(['string', 'number']).toContain(typeof value);
    }
    expect(JSON.stringify(verdict)).not.toMatch(/SECRET|secret page|polluted|not in the message/);
  });

  it('drops a verdict whose key, URL, kind, method, cause, confidence, flags or times are wrong', async () => {
    const bad: Record<string, unknown> = {
      'posteo.de': stored('posteo.de', { url: 'javascript:alert(1)' }),
      'tuta.com': stored('tuta.com', { url: 'https://evil.example/' }),
      'proton.me': stored('proton.me', {}, { kind: 'pwned' }),
      'disroot.org': stored('disroot.org', {}, { method: 'evil' }),
      'riseup.net': stored('riseup.net', {}, { kind: 'local', method: undefined, localCause: 'toString' }),
      'fastmail.com': stored('fastmail.com', {}, { confidence: Number.NaN }),
      'startmail.com': stored('startmail.com', {}, { confidence: 5 }),
      'autistici.org': stored('autistici.org', {}, { confirmed: 'yes' }),
      'systemli.org': stored('systemli.org', { finishedAt: Number.POSITIVE_INFINITY }),
      'posteo.net': stored('posteo.net', { startedAt: Number.NaN }),
      'posteo.com': stored('posteo.com', { trigger: 'pwned' }),
      'tuta.io': stored('tuta.io', { runId: HUGE }),
      'tutanota.com': stored('tutanota.com', {}, { scope: 'galactic' }),
      'tutanota.de': stored('tutanota.de', {}, { blockpage: { name: 'x', scope: 'nat', countries: 'RU', location: 'body' } }),
      'tutamail.com': stored('tutamail.com', {}, { scores: { blocked: 2, down: 0, ok: 0 } }),
      'keemail.me': stored('keemail.me', {}, { evidence: 'none' }),
      'pm.me': 'garbage',
      'protonmail.ch': null,
      // Not the key of mailbox.org: get-state would normalise the name, so this one is checked below.
      'MAILBOX.ORG': stored('MAILBOX.ORG', { runId: 'upper-case key' }),
      'javascript:alert(1)': stored('javascript:alert(1)'),
    };
    preloadStorage({ verdicts: { ...bad, 'mailbox.org': stored('mailbox.org') } });
    background.main();
    expect((await ask({ type: 'get-state', host: 'mailbox.org' })).verdict).toMatchObject({ runId: 'r1', verdict: { kind: 'censorship' } });
    for (const host of Object.keys(bad).filter((h) => h !== 'MAILBOX.ORG')) {
      expect((await ask({ type: 'get-state', host })).verdict, host).toBeUndefined();
    }
  });

  it('keeps no more verdicts than the scheduler does, the newest', async () => {
    const many = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`h${i}.example.org`, stored(`h${i}.example.org`, { finishedAt: now - 1000 + i })]));
    preloadStorage({ verdicts: many });
    background.main();
    expect((await ask({ type: 'get-state', host: 'h499.example.org' })).verdict).toBeDefined();
    expect((await ask({ type: 'get-state', host: 'h0.example.org' })).verdict).toBeUndefined();
  });
});

describe(`stored ${STORAGE_KEYS.probeRuns}`, () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('resumes only a run of the host itself, without its query string; a hostile one sends nothing', async () => {
    // Node 20 has no navigator; without it every run would stop at "am I online?" and send nothing.
    vi.stubGlobal('navigator', { onLine: true });
    const fetched: string[] = [];
    vi.stubGlobal('fetch', (input: string | URL | Request, init?: RequestInit) => {
      fetched.push(input instanceof Request ? input.url : String(input));
      return loopbackOnlyFetch(input, init);
    });
    const since = Date.now();
    const run = (host: string, trigger: Record<string, unknown> = {}, fields: Record<string, unknown> = {}) => ({
      runId: 'r1',
      since,
      ...fields,
      trigger: { host, url: `https://${host}/`, failure: { class: 'reset' }, startedAt: since, reason: 'failure', ...trigger },
    });
    preloadStorage({
      probeRuns: withProto(
        {
          'mailbox.org': run('mailbox.org', { url: 'https://mailbox.org/inbox?token=SECRET#msg' }),
          'posteo.de': run('posteo.de', { url: 'http://127.0.0.1:1/admin' }),
          'tuta.com': run('tuta.com', { url: 'javascript:alert(1)' }),
          'proton.me': run('proton.me', { failure: { class: 'reset', ip: '127.0.0.1:22/../' } }),
          'disroot.org': run('disroot.org', { failure: { class: 'pwned' } }),
          'riseup.net': run('riseup.net', { host: 'evil.example' }),
          'fastmail.com': run('fastmail.com', {}, { since: Number.NaN }),
          'startmail.com': run('startmail.com', {}, { since: Number.POSITIVE_INFINITY }),
          'autistici.org': run('autistici.org', { url: `https://autistici.org/${HUGE}` }),
          'systemli.org': { runId: 'r1', since, trigger: null },
          'tutanota.de': run('tutanota.de', { reason: { toString: 'user' } }),
          '127.0.0.1': run('127.0.0.1'),
        },
        run('evil.example'),
      ),
    });
    background.main();
    await vi.waitFor(async () => {
      const state = await ask({ type: 'get-state', host: 'mailbox.org' });
      expect(state.verdict).toBeDefined();
      expect(state.probing).toBe(false);
    });
    // Let any other resumed run get as far as its first request.
    await new Promise((r) => setTimeout(r, 300));
    const probed = fetched.filter((u) => !u.startsWith('chrome-extension:') && !u.includes('dns-query') && !u.includes('detectportal') && !u.includes('connectivitycheck'));
    expect(probed.length).toBeGreaterThan(0);
    for (const url of probed) expect(new URL(url).hostname, url).toBe('mailbox.org');
    expect(fetched.join(' ')).not.toMatch(/SECRET|127\.0\.0\.1|javascript:/);
    // DNS questions too were asked for mailbox.org alone: its A and AAAA questions, nothing else.
    const questions = new Set(fetched.filter((u) => u.includes('dns-query')).map((u) => new URL(u).searchParams.get('dns')));
    expect(questions.size).toBe(2);
    expect((await ask({ type: 'get-state', host: 'mailbox.org' })).verdict!.url).toBe('https://mailbox.org/inbox');
  });
});
