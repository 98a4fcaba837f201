import { describe, expect, it } from 'vitest';
import { hostMatchesDomain, hostOf, normalizeHost, redactUrl } from '../../lib/hosts';
import { DEFAULT_SETTINGS, parseSettings } from '../../lib/settings';

describe('hosts', () => {
  it('normalises what users type into host names, and refuses what is not one', () => {
    expect(normalizeHost(' Mail.Example.ORG ')).toBe('mail.example.org');
    expect(normalizeHost('https://mail.example.org:8443/inbox?x=1')).toBe('mail.example.org');
    expect(normalizeHost('пример.рф')).toBe('xn--e1afmkfd.xn--p1ai');
    expect(normalizeHost('example.org.')).toBe('example.org');
    for (const bad of ['', 'localhost', '127.0.0.1', '[::1]', 'http://', 'a b.org', '-x.org', 'x'.repeat(64) + '.org']) {
      expect(normalizeHost(bad), bad).toBeUndefined();
    }
  });

  it('matches subdomains but not look-alikes', () => {
    expect(hostMatchesDomain('mail.proton.me', 'proton.me')).toBe(true);
    expect(hostMatchesDomain('proton.me', 'proton.me')).toBe(true);
    expect(hostMatchesDomain('notproton.me', 'proton.me')).toBe(false);
  });

  it('keeps no query string or fragment of a URL', () => {
    expect(redactUrl('https://mail.proton.me/u/0/inbox?token=abc#msg-1')).toBe('https://mail.proton.me/u/0/inbox');
    expect(hostOf('moz-extension://x/popup.html')).toBeUndefined();
    expect(hostOf('not a url')).toBeUndefined();
  });
});

describe('settings', () => {
  it('defaults every endpoint and keeps valid stored values', () => {
    expect(parseSettings(undefined).settings).toEqual(DEFAULT_SETTINGS);
    const { settings, problems } = parseSettings({ dohResolvers: ['http://127.0.0.1:8053/dns-query', 'http://127.0.0.1:8054/dns-query'], controlUrl: 'http://127.0.0.1:9000/' });
    expect(problems).toEqual([]);
    expect(settings.dohResolvers).toHaveLength(2);
    expect(settings.controlUrl).toBe('http://127.0.0.1:9000/');
    expect(settings.canaries).toEqual(DEFAULT_SETTINGS.canaries);
  });

  it('refuses invalid values field by field, keeping the defaults, and says why', () => {
    const { settings, problems } = parseSettings({ dohResolvers: ['file:///etc/passwd'], controlUrl: 'javascript:alert(1)', probeBudgetMs: 1e9, canaries: 'x' });
    expect(settings).toEqual(DEFAULT_SETTINGS);
    expect(problems.map((p) => p.key).sort()).toEqual(['canaries', 'controlUrl', 'dohResolvers', 'probeBudgetMs']);
    expect(parseSettings('garbage').problems).toHaveLength(1);
  });
});
