import { describe, expect, it } from 'vitest';
import { providers } from '../../catalog/catalog';
import type { CensorshipMethod, Verdict } from '../../engine/types';
import { wayAround, type Step } from '../../lib/way-around';

const provider = (id: string) => providers.find((p) => p.id === id)!;
const censorship = (method: CensorshipMethod): Verdict => ({ kind: 'censorship', method, confidence: 0.9, confirmed: false, evidence: [] });
const kinds = (steps: Step[]) => steps.map((s) => s.kind);

describe('the way around fits the method of blocking', () => {
  it('DNS tampering: secure DNS first, then a mirror the probes loaded, then Tor', () => {
    const steps = wayAround({
      verdict: censorship('dns'),
      url: 'https://mail.proton.me/',
      provider: provider('proton'),
      siblings: [{ host: 'protonmail.com', ok: true }, { host: 'pm.me', ok: false }],
    });
    expect(steps[0]!.kind).toBe('secure-dns');
    expect(steps[1]).toMatchObject({ kind: 'mirror', host: 'protonmail.com', state: 'working' });
    const mirrors = steps.filter((s) => s.kind === 'mirror');
    // A mirror that failed is shown as failing, after everything that may help; one not probed is not "working".
    expect(mirrors.at(-1)).toMatchObject({ host: 'pm.me', state: 'failing' });
    expect(mirrors.filter((m) => m.kind === 'mirror' && m.state === 'working').map((m) => m.kind === 'mirror' && m.host)).toEqual(['protonmail.com']);
    expect(kinds(steps)).toContain('onion');
  });

  it('certificate interception: the warning comes before anything else, and no mirror is offered', () => {
    const steps = wayAround({ verdict: censorship('interception'), url: 'https://mail.proton.me/', provider: provider('proton') });
    expect(steps[0]!.kind).toBe('interception-warning');
    expect(kinds(steps)).not.toContain('mirror');
    expect(kinds(steps)).toContain('tor-browser');
  });

  it('IP blocking of a provider whose names share the blocked addresses: says so, offers Tor, no working mirror', () => {
    const steps = wayAround({ verdict: censorship('tcp_ip'), url: 'https://www.startmail.com/', provider: provider('startmail') });
    expect(steps[0]!.kind).toBe('same-addresses');
    expect(kinds(steps)).toEqual(expect.arrayContaining(['tor-browser', 'bridges']));
    expect(steps.some((s) => s.kind === 'mirror' && s.state === 'working')).toBe(false);
  });

  it('throttling: says so first (Tor or a VPN restores the speed), Tor next, mirrors that only answered slowly after', () => {
    const steps = wayAround({
      verdict: censorship('throttling'),
      url: 'https://mail.proton.me/',
      provider: provider('proton'),
      siblings: [{ host: 'protonmail.com', ok: true }],
    });
    expect(steps[0]!.kind).toBe('throttled');
    const tor = kinds(steps).indexOf('tor-browser');
    const mirror = kinds(steps).indexOf('mirror');
    expect(tor).toBeGreaterThan(0);
    expect(mirror).toBeGreaterThan(tor);
  });

  it('a block page on plain HTTP: the HTTPS address first', () => {
    const steps = wayAround({ verdict: censorship('blockpage'), url: 'http://mailbox.org/en', provider: provider('mailbox_org') });
    expect(steps[0]).toEqual({ kind: 'https', url: 'https://mailbox.org/' });
  });

  it('an outage or a local problem gets no circumvention advice', () => {
    const down: Verdict = { kind: 'outage', confidence: 0.8, confirmed: false, evidence: [] };
    expect(kinds(wayAround({ verdict: down, url: 'https://mail.proton.me/', provider: provider('proton') }))).toEqual(['wait', 'status-page']);
    const portal: Verdict = { kind: 'local', localCause: 'captive-portal', confidence: 0.8, confirmed: false, evidence: [] };
    expect(kinds(wayAround({ verdict: portal, url: 'https://mail.proton.me/', provider: provider('proton') }))).toEqual(['captive-portal']);
    const ok: Verdict = { kind: 'ok', confidence: 0.8, confirmed: false, evidence: [] };
    expect(wayAround({ verdict: ok, url: 'https://mail.proton.me/', provider: provider('proton') })).toEqual([]);
  });

  it('offers only onions the provider published itself, with a provider source', () => {
    for (const p of providers) {
      for (const step of wayAround({ verdict: censorship('tls'), url: `https://${p.domains[0]}/`, provider: p })) {
        if (step.kind !== 'onion') continue;
        expect(step.onion.provider_published).toBe(true);
        expect(step.onion.sources.some((s) => s.publisher_kind === 'provider')).toBe(true);
      }
    }
  });

  it('shows an onion the site announced apart from the catalog, and only when its checksum and key hold', () => {
    // rend-spec v3 test vector, and the same with its 11th character changed (checksum broken).
    const good = 'pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion';
    const bad = `${good.slice(0, 10)}${good[10] === 'a' ? 'b' : 'a'}${good.slice(11)}`;
    const announced = [good, bad, `user:pw@${good}`].map((host, i) => ({ url: `https://${host}/`, announcedAt: i + 1, pageOrigin: 'https://mail.example.org' }));
    const steps = wayAround({ verdict: censorship('tls'), url: 'https://mail.example.org/', announced });
    expect(steps.filter((s) => s.kind === 'announced-onion')).toEqual([{ kind: 'announced-onion', url: `https://${good}/`, announcedAt: 1, pageOrigin: 'https://mail.example.org' }]);
    expect(kinds(steps)).toEqual(['announced-onion', 'tor-browser', 'bridges']);
  });

  it('a user-added domain (no catalog entry) still gets Tor advice, and an unparsable URL gets none', () => {
    expect(kinds(wayAround({ verdict: censorship('tls'), url: 'https://mail.example.org/' }))).toEqual(['tor-browser', 'bridges']);
    expect(wayAround({ verdict: censorship('tls'), url: 'not a url' })).toEqual([]);
  });
});

describe('every piece of advice has words in every shipped language', () => {
  it('names each Tor link and each kind of provider advice in messages.json', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const keys: string[] = [];
    for (const p of providers) {
      for (const step of wayAround({ verdict: censorship('tls'), url: `https://${p.domains[0]}/`, provider: p })) {
        if (step.kind === 'tor-browser' || step.kind === 'bridges') keys.push(...step.links.map((l) => `waTor_${l.id.replace(/-/g, '_')}`));
        if (step.kind === 'provider-advice') keys.push(`waAdvice_${step.advice.kind.replace(/-/g, '_')}`);
      }
    }
    expect(keys.length).toBeGreaterThan(5);
    for (const lang of readdirSync('public/_locales')) {
      const messages = JSON.parse(readFileSync(`public/_locales/${lang}/messages.json`, 'utf8')) as Record<string, unknown>;
      expect(keys.filter((k) => !(k in messages)), lang).toEqual([]);
    }
  });
});
