import { describe, expect, it } from 'vitest';
import { hostMatchesDomain, hostOf, normalizeHost, redactUrl } from '../../engine/hosts';
import { buildCatalogUrls, DEFAULT_SETTINGS, parseSettings } from '../../lib/settings';

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
    expect(parseSettings('garbage').problems).toEqual([{ key: 'settings' }]);
  });

  it('takes up to five https catalog update URLs, and nothing else', () => {
    const ok = ['https://a.example/catalog.json', 'https://b.example/catalog.json'];
    expect(parseSettings({ catalogUpdateUrls: ok }).settings.catalogUpdateUrls).toEqual(ok);
    expect(DEFAULT_SETTINGS.catalogUpdateUrls).toEqual([]);
    for (const bad of [['http://a.example/catalog.json'], ['https://u:p@a.example/'], Array(6).fill(ok[0]), 'https://a.example/']) {
      const { settings, problems } = parseSettings({ catalogUpdateUrls: bad });
      expect(settings.catalogUpdateUrls).toEqual([]);
      expect(problems.map((p) => p.key)).toEqual(['catalogUpdateUrls']);
    }
  });
});

describe('settings: reports (off by default, a country only when chosen)', () => {
  it('are off, with no service and no country, until the user says otherwise', () => {
    expect(DEFAULT_SETTINGS.reportsEnabled).toBe(false);
    expect(DEFAULT_SETTINGS.reportUrls).toEqual([]);
    expect(DEFAULT_SETTINGS.country).toBe('');
  });

  it('keeps valid values', () => {
    const { settings, problems } = parseSettings({
      reportsEnabled: true,
      reportUrls: ['https://reports.example/', 'http://127.0.0.1:8080/'],
      country: 'RU',
      reportMaxDelayMs: 1000,
    });
    expect(problems).toEqual([]);
    expect(settings).toMatchObject({ reportsEnabled: true, reportUrls: ['https://reports.example/', 'http://127.0.0.1:8080/'], country: 'RU', reportMaxDelayMs: 1000 });
    expect(parseSettings({ country: '' }).settings.country).toBe('');
  });

  it('refuses anything else field by field, keeping the default (off, no country)', () => {
    const keys = (stored: unknown) => parseSettings(stored).problems.map((p) => p.key);
    for (const bad of ['true', 1, null]) expect(keys({ reportsEnabled: bad }), String(bad)).toEqual(['reportsEnabled']);
    expect(parseSettings({ reportsEnabled: 'true' }).settings.reportsEnabled).toBe(false);
    for (const bad of [['http://reports.example/'], ['https://u:p@reports.example/'], Array(6).fill('https://reports.example/'), 'https://reports.example/']) {
      expect(keys({ reportUrls: bad }), JSON.stringify(bad)).toEqual(['reportUrls']);
    }
    // Only assigned ISO 3166-1 alpha-2 codes, in capitals: no guessing what `ru` or `UK` meant.
    for (const bad of ['ru', 'UK', 'EU', 'ZZ', 'RUS', ' RU', 643, null]) {
      expect(keys({ country: bad }), String(bad)).toEqual(['country']);
      expect(parseSettings({ country: bad }).settings.country).toBe('');
    }
    for (const bad of [0, 999, 1.5, 86_400_001, '60000']) expect(keys({ reportMaxDelayMs: bad }), String(bad)).toEqual(['reportMaxDelayMs']);
  });

  it('splits the build variable like the catalog URLs', () => {
    expect(buildCatalogUrls('https://a.example/, https://b.example/\nhttps://c.example/')).toEqual(['https://a.example/', 'https://b.example/', 'https://c.example/']);
    expect(buildCatalogUrls(undefined)).toEqual([]);
  });
});

describe('settings: the endpoints that decide the verdict', () => {
  const keys = (stored: unknown) => parseSettings(stored).problems.map((p) => p.key);

  it('refuses plain http for the DoH resolvers and the control on any host but loopback, and says so', () => {
    for (const url of ['http://dns.example/dns-query', 'http://8.8.8.8/dns-query', 'http://[2001:db8::1]/dns-query', 'http://127.0.0.1.nip.io/dns-query', 'http://app.localhost/dns-query']) {
      const { settings, problems } = parseSettings({ dohResolvers: [url], controlUrl: url });
      expect(problems.map((p) => p.key), url).toEqual(['dohResolvers', 'controlUrl']);
      expect(settings.dohResolvers).toEqual(DEFAULT_SETTINGS.dohResolvers);
      expect(settings.controlUrl).toBe(DEFAULT_SETTINGS.controlUrl);
    }
    // One plain-http resolver among https ones spoils the list: the list is refused whole.
    expect(keys({ dohResolvers: ['https://dns.example/dns-query', 'http://dns.example/dns-query'] })).toEqual(['dohResolvers']);
  });

  it('accepts https anywhere and plain http on loopback (the lab serves its DoH and control on 127.0.0.x)', () => {
    const loopback = ['http://127.0.0.54:8053/dns-query', 'http://127.255.0.1/', 'http://localhost:8080/', 'http://[::1]:8053/dns-query', 'http://LOCALHOST/'];
    for (const url of loopback) expect(parseSettings({ dohResolvers: [url], controlUrl: url }).problems, url).toEqual([]);
    const { settings, problems } = parseSettings({ dohResolvers: ['https://dns.example/dns-query'], controlUrl: 'https://control.example/' });
    expect(problems).toEqual([]);
    expect(settings).toMatchObject({ dohResolvers: ['https://dns.example/dns-query'], controlUrl: 'https://control.example/' });
    // No control at all stays allowed: probes then run without one.
    expect(parseSettings({ controlUrl: '' }).problems).toEqual([]);
  });

  it('refuses an empty DoH list, which would turn encrypted DNS off without a word', () => {
    const { settings, problems } = parseSettings({ dohResolvers: [] });
    expect(problems.map((p) => p.key)).toEqual(['dohResolvers']);
    expect(settings.dohResolvers).toEqual(DEFAULT_SETTINGS.dohResolvers);
  });

  it('refuses credentials in any endpoint URL', () => {
    expect(keys({ dohResolvers: ['https://user:pass@dns.example/dns-query'] })).toEqual(['dohResolvers']);
    expect(keys({ dohResolvers: ['http://user@127.0.0.1:8053/dns-query'] })).toEqual(['dohResolvers']);
    expect(keys({ controlUrl: 'https://user:pass@control.example/' })).toEqual(['controlUrl']);
    expect(keys({ canaries: [{ url: 'http://user:pass@canary.example/', expect: '' }] })).toEqual(['canaries']);
  });

  it('keeps canaries plain http: they exist to catch a portal rewriting unencrypted traffic', () => {
    const canaries = [{ url: 'http://detectportal.example/canonical.html', expect: 'success' }, { url: 'https://canary.example/', expect: '' }];
    const { settings, problems } = parseSettings({ canaries });
    expect(problems).toEqual([]);
    expect(settings.canaries).toEqual(canaries);
  });

  it('reads own keys only: a stored __proto__ is not a way in', () => {
    const stored = JSON.parse('{"__proto__": {"controlUrl": "http://evil.example/"}, "probeBudgetMs": 3000}');
    const { settings, problems } = parseSettings(stored);
    expect(problems).toEqual([]);
    expect(settings.controlUrl).toBe(DEFAULT_SETTINGS.controlUrl);
    expect(settings.probeBudgetMs).toBe(3000);
    expect(Object.getPrototypeOf(settings)).toBe(Object.prototype);
  });
});
