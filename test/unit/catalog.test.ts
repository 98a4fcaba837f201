import { describe, expect, it } from 'vitest';
import { catalogDomains, catalogHostPatterns, indexOf, providerForHost, providers, rootDomains, showableOnions } from '../../catalog/catalog';
import { indexedProviders } from '../../catalog/provider-index';

describe('catalog', () => {
  it('shows only provider-published, cited v3 onions a browser can open', () => {
    const shown = providers.flatMap((p) => showableOnions(p).map((o) => ({ provider: p.id, ...o })));
    expect(shown.length).toBeGreaterThan(0);
    for (const onion of shown) {
      expect(onion.provider_published).toBe(true);
      expect(onion.sources.length).toBeGreaterThan(0);
      expect(new URL(onion.url).hostname).toMatch(/^[a-z2-7]{56}\.onion$/);
    }
    // Riseup's MX onion is for mail servers on port 25, not for a browser.
    expect(shown.some((o) => o.url.includes('aj3nsqqcksrrc5cye5etjsoewz6jrygpekzwoko3q6wyxjlb3dgasfid'))).toBe(false);
  });

  it('never shows a third-party-only, unpublished or v2 address', () => {
    const fake = {
      ...providers[0]!,
      onions: [
        { ...providers[0]!.onions[0]!, provider_published: false },
        { ...providers[0]!.onions[0]!, sources: [] },
        { ...providers[0]!.onions[0]!, url: 'https://protonirockerxow.onion/' },
        { ...providers[0]!.onions[0]!, url: 'javascript:alert(1)//protonmailrmez3lotccipshtkleegetolb73fuirgj7r4o4vfu7ozyd.onion' },
      ],
    };
    expect(showableOnions(fake)).toEqual([]);
  });

  it('keeps every citation: each provider domain list has a source', () => {
    for (const p of providers.filter((p) => p.domains.length > 0)) expect(p.domain_sources.length, p.id).toBeGreaterThan(0);
  });

  it('reduces domains to roots for the manifest and maps hosts back to providers', () => {
    expect(rootDomains(['mail.proton.me', 'proton.me', 'pm.me', 'PM.ME.'])).toEqual(['pm.me', 'proton.me']);
    expect(catalogDomains()).toContain('mailbox.org');
    expect(catalogDomains()).not.toContain('login.mailbox.org');
    expect(catalogHostPatterns()).toContain('*://*.riseup.net/*');
    expect(providerForHost('account.riseup.net')?.id).toBe('riseup');
    expect(providerForHost('riseup.net.evil.example')).toBeUndefined();
  });
});

describe('the background index of the catalog', () => {
  it('is exactly the names and domains of providers.json (npm run catalog:index rebuilds it)', () => {
    expect(indexedProviders).toEqual(indexOf({ providers }));
  });
});
