import { describe, expect, it } from 'vitest';
import { classify } from '../../../engine/verdict';
import type { Observations, Verdict } from '../../../engine/types';
import {
  BLOCK_IP,
  CANARIES_DOWN,
  CANARIES_OK,
  control,
  DOH,
  failureOnly,
  HOST,
  scenarios,
  SITE_IP,
  URL_HTTP,
  URL_HTTPS,
} from './scenarios';

const codes = (v: Verdict) => v.evidence.map((e) => e.code);

/** Both richness levels of one scenario. */
function both(name: keyof typeof scenarios) {
  const s = scenarios[name];
  return { withControl: classify(s.withControl), withoutControl: classify(s.withoutControl) };
}

describe('lab scenarios, with and without a control', () => {
  it('ok: the page loads over HTTPS', () => {
    const { withControl, withoutControl } = both('ok');
    for (const v of [withControl, withoutControl]) {
      expect(v.kind).toBe('ok');
      expect(v.confidence).toBeGreaterThanOrEqual(0.85);
      expect(v.confirmed).toBe(false);
      expect(codes(v)).toContain('https_loaded');
    }
  });

  it('DNS NXDOMAIN from the ISP while DoH answers: dns, less sure without a control', () => {
    const { withControl, withoutControl } = both('dnsNxdomain');
    expect(withControl).toMatchObject({ kind: 'censorship', method: 'dns', confirmed: false });
    expect(withControl.confidence).toBeGreaterThanOrEqual(0.85);
    expect(codes(withControl)).toEqual(expect.arrayContaining(['dns_nxdomain', 'dns_control_answers']));

    expect(withoutControl).toMatchObject({ kind: 'censorship', method: 'dns' });
    expect(withoutControl.confidence).toBeGreaterThanOrEqual(0.6);
    expect(withoutControl.confidence).toBeLessThan(withControl.confidence);
    expect(codes(withoutControl)).toEqual(expect.arrayContaining(['dns_nxdomain', 'dns_doh_answers', 'no_control']));
  });

  it('DNS sinkhole 10.10.34.35 in Iran: dns, confirmed by the fingerprint, national', () => {
    const { withControl, withoutControl } = both('dnsSinkhole');
    for (const v of [withControl, withoutControl]) {
      expect(v).toMatchObject({ kind: 'censorship', method: 'dns', confirmed: true, scope: 'national' });
      expect(v.blockpage).toMatchObject({ name: 'ooni.ir_5', location: 'dns' });
      expect(v.confidence).toBeGreaterThanOrEqual(0.9);
      expect(codes(v)).toContain('dns_fingerprint');
    }
  });

  it('DNS bogon not in any fingerprint: dns by the bogon rule, weaker without a control', () => {
    const { withControl, withoutControl } = both('dnsBogon');
    expect(withControl).toMatchObject({ kind: 'censorship', method: 'dns', confirmed: false });
    expect(withControl.confidence).toBeGreaterThanOrEqual(0.9);
    expect(codes(withControl)).toEqual(expect.arrayContaining(['dns_bogon', 'dns_inconsistent']));
    expect(withoutControl).toMatchObject({ kind: 'censorship', method: 'dns' });
    expect(withoutControl.confidence).toBeLessThan(withControl.confidence);
  });

  it('DNS to an ISP block page served with 200: blockpage, confirmed, national scope', () => {
    const { withControl, withoutControl } = both('dnsBlockpage');
    for (const v of [withControl, withoutControl]) {
      expect(v).toMatchObject({ kind: 'censorship', method: 'blockpage', confirmed: true, scope: 'national' });
      expect(v.blockpage).toMatchObject({ name: 'ooni.ru_0', scope: 'nat', location: 'body' });
      expect(v.confidence).toBeGreaterThanOrEqual(0.9);
      expect(codes(v)).toContain('blockpage_match');
    }
  });

  it('SYNs dropped: tcp_ip when the control connects, outage when it cannot, no accusation without one', () => {
    const { withControl, withoutControl } = both('synDrop');
    expect(withControl).toMatchObject({ kind: 'censorship', method: 'tcp_ip' });
    expect(withControl.confidence).toBeGreaterThanOrEqual(0.6);
    expect(withControl.confidence).toBeLessThanOrEqual(0.85);
    expect(codes(withControl)).toEqual(expect.arrayContaining(['tcp_timeout', 'tcp_control_ok']));

    const controlDown = classify({
      ...scenarios.synDrop.withControl,
      control: control({ tcp: { [`${SITE_IP}:443`]: 'generic_timeout_error' }, tls: {}, http: { failure: 'generic_timeout_error' } }),
    });
    expect(controlDown.kind).toBe('outage');
    expect(codes(controlDown)).toContain('tcp_control_failed');

    // A dead server and a dropped SYN look the same from inside: no side taken.
    expect(withoutControl.kind).toBe('unknown');
    expect(codes(withoutControl)).toContain('no_control');
  });

  it('TCP reset on every connection to the address: tcp_ip, low confidence without a control', () => {
    const { withControl, withoutControl } = both('tcpReset');
    expect(withControl).toMatchObject({ kind: 'censorship', method: 'tcp_ip' });
    expect(withControl.confidence).toBeGreaterThanOrEqual(0.75);
    expect(codes(withControl)).toEqual(expect.arrayContaining(['tls_bare_ip_failed', 'plain_http_ip_failed', 'fast_failure']));
    expect(withoutControl).toMatchObject({ kind: 'censorship', method: 'tcp_ip' });
    expect(withoutControl.confidence).toBeLessThanOrEqual(0.6);
    expect(withoutControl.confidence).toBeLessThan(withControl.confidence);
  });

  it('connection refused: ambiguous, tcp_ip with less confidence than a drop; unknown without a control', () => {
    const { withControl, withoutControl } = both('refused');
    expect(withControl).toMatchObject({ kind: 'censorship', method: 'tcp_ip' });
    expect(withControl.confidence).toBeGreaterThanOrEqual(0.5);
    expect(withControl.confidence).toBeLessThan(0.7);
    const dropped = classify({
      ...scenarios.refused.withControl,
      failure: { class: 'timeout' },
      tcp: [{ ip: SITE_IP, port: 443, ok: false, failure: 'timeout' }],
    });
    expect(withControl.confidence).toBeLessThan(dropped.confidence);
    expect(withoutControl.kind).toBe('unknown');
    const refusedEverywhere = classify({
      ...scenarios.refused.withControl,
      control: control({ tcp: { [`${SITE_IP}:443`]: 'connection_refused' }, tls: {}, http: { failure: 'connection_refused' } }),
    });
    expect(refusedEverywhere.kind).toBe('outage');
  });

  it('reset after the ClientHello only with the SNI: tls (SNI filtering)', () => {
    const { withControl, withoutControl } = both('sniReset');
    expect(withControl).toMatchObject({ kind: 'censorship', method: 'tls' });
    expect(withControl.confidence).toBeGreaterThanOrEqual(0.85);
    expect(codes(withControl)).toEqual(expect.arrayContaining(['tls_failed_with_sni', 'tls_bare_ip_ok', 'tls_control_ok']));
    expect(withoutControl).toMatchObject({ kind: 'censorship', method: 'tls' });
    expect(withoutControl.confidence).toBeGreaterThanOrEqual(0.65);
    expect(withoutControl.confidence).toBeLessThan(withControl.confidence);
  });

  it('plain HTTP to the address answering is not SNI proof on its own: http-failure, less sure', () => {
    const obs = scenarios.sniReset.withoutControl;
    const v = classify({ ...obs, tls: obs.tls!.filter((t) => t.serverName !== null) });
    expect(v).toMatchObject({ kind: 'censorship', method: 'http-failure' });
    expect(v.confidence).toBeLessThan(classify(obs).confidence);
    expect(codes(v)).toContain('plain_http_ip_ok');
    const withControl = classify({ ...scenarios.sniReset.withControl, tls: obs.tls!.filter((t) => t.serverName !== null) });
    expect(withControl).toMatchObject({ kind: 'censorship', method: 'http-failure' });
  });

  it('HTTP 451: http-451', () => {
    const { withControl, withoutControl } = both('http451');
    expect(withControl).toMatchObject({ kind: 'censorship', method: 'http-451' });
    expect(withControl.confidence).toBeGreaterThanOrEqual(0.85);
    expect(withoutControl).toMatchObject({ kind: 'censorship', method: 'http-451' });
    expect(withoutControl.confidence).toBeGreaterThanOrEqual(0.6);
    expect(withoutControl.confidence).toBeLessThan(withControl.confidence);
    expect(codes(withoutControl)).toContain('http_451');
  });

  it('TLS interception with an untrusted CA: interception', () => {
    const { withControl, withoutControl } = both('interception');
    expect(withControl).toMatchObject({ kind: 'censorship', method: 'interception' });
    expect(withControl.confidence).toBeGreaterThanOrEqual(0.8);
    expect(codes(withControl)).toEqual(expect.arrayContaining(['certificate_untrusted_issuer', 'tls_control_ok']));
    expect(withoutControl).toMatchObject({ kind: 'censorship', method: 'interception' });
    expect(withoutControl.confidence).toBeLessThan(withControl.confidence);
    expect(withoutControl.confidence).toBeLessThanOrEqual(0.7);
  });

  it('a certificate the control also refuses is the site\'s own problem', () => {
    const v = classify({
      ...scenarios.interception.withControl,
      control: control({ tls: { [`${SITE_IP}:443`]: 'ssl_unknown_authority' }, ipInfo: { [SITE_IP]: { asn: 0, flags: 3 } } }),
    });
    expect(v.kind).toBe('outage');
  });

  it('a stall after the connect is the handshake with the name, not a TCP timeout', () => {
    const { withControl, withoutControl } = both('sniDrop');
    for (const v of [withControl, withoutControl]) {
      expect(v).toMatchObject({ kind: 'censorship', method: 'tls' });
      expect(codes(v)).toContain('sibling_same_address_ok');
      expect(codes(v)).not.toContain('tcp_timeout');
    }
    // Firefox's own timeout for a handshake it kept retrying reads the same way.
    const firefoxTimeout = { ...scenarios.sniDrop.withControl, failure: { class: 'timeout' as const, error: 'NS_ERROR_NET_TIMEOUT', elapsedMs: 3_000 } };
    expect(classify(firefoxTimeout)).toMatchObject({ kind: 'censorship', method: 'tls' });
    // With nothing to show that a connection completes, a stall stays a connect timeout.
    expect(both('synDrop').withControl.method).toBe('tcp_ip');
  });

  it('site down for everyone: outage when the control fails the same way', () => {
    const { withControl, withoutControl } = both('siteDown');
    expect(withControl.kind).toBe('outage');
    expect(withControl.confidence).toBeGreaterThanOrEqual(0.7);
    expect(withoutControl.kind).not.toBe('censorship');
    // What an extension does see without a control: the real server's 5xx, or NXDOMAIN everywhere.
    for (const v of Object.values(both('serverError'))) expect(v.kind).toBe('outage');
    const gone = both('domainGone');
    expect(gone.withControl).toMatchObject({ kind: 'outage' });
    expect(gone.withControl.confidence).toBeGreaterThanOrEqual(0.85);
    expect(gone.withoutControl).toMatchObject({ kind: 'outage' });
    expect(gone.withoutControl.confidence).toBeLessThan(gone.withControl.confidence);
  });

  it('whole network down: local, whatever the site looks like', () => {
    const { withControl, withoutControl } = both('networkDown');
    for (const v of [withControl, withoutControl]) {
      expect(v).toMatchObject({ kind: 'local', localCause: 'network' });
      expect(codes(v)).toContain('canaries_all_failed');
    }
    expect(withoutControl.confidence).toBeGreaterThanOrEqual(0.85);
  });

  it('captive portal: local/captive-portal, from the API or from a rewritten canary', () => {
    for (const v of Object.values(both('captivePortal'))) {
      expect(v).toMatchObject({ kind: 'local', localCause: 'captive-portal' });
    }
    const fromCanary = classify({ ...scenarios.captivePortal.withoutControl, captivePortal: 'not_captive' });
    expect(fromCanary).toMatchObject({ kind: 'local', localCause: 'captive-portal' });
    expect(codes(fromCanary)).toContain('canary_captive');
  });

  it('broken proxy: local/proxy', () => {
    for (const v of Object.values(both('brokenProxy'))) {
      expect(v).toMatchObject({ kind: 'local', localCause: 'proxy' });
      expect(v.confidence).toBeGreaterThanOrEqual(0.9);
    }
    // A proxy is set and nothing at all loads: the proxy is the likely culprit.
    const v = classify({ url: URL_HTTPS, host: HOST, proxy: true, canaries: CANARIES_DOWN, failure: { class: 'timeout' } });
    expect(v).toMatchObject({ kind: 'local', localCause: 'proxy' });
  });

  it('IPv6-only unreachable while IPv4 works: local/ipv6', () => {
    for (const v of Object.values(both('ipv6'))) {
      expect(v).toMatchObject({ kind: 'local', localCause: 'ipv6' });
      expect(v.confidence).toBeGreaterThanOrEqual(0.8);
      expect(codes(v)).toContain('ipv6_unreachable');
    }
    // Unreachable on IPv4 is not an IPv6 problem.
    const v4 = classify({
      ...scenarios.ipv6.withControl,
      dns: [{ kind: 'system', resolver: 'system', addrs: [SITE_IP] }],
      tcp: [{ ip: SITE_IP, port: 443, ok: false, failure: 'unreachable' }],
    });
    expect(v4.kind).not.toBe('local');
  });

  it('IPv6 failures are masked when the IPv4 address of the same site answers', () => {
    const v = classify({
      url: URL_HTTPS,
      host: HOST,
      canaries: CANARIES_OK,
      control: control({ dns: [SITE_IP, '2a02:6b8::2:242'] }),
      failure: { class: 'timeout' },
      dns: [{ kind: 'system', resolver: 'system', addrs: [SITE_IP, '2a02:6b8::2:242'] }],
      tcp: [
        { ip: '2a02:6b8::2:242', port: 443, ok: false, failure: 'unreachable' },
        { ip: SITE_IP, port: 443, ok: false, failure: 'timeout' },
        { ip: SITE_IP, port: 80, ok: true },
      ],
    });
    expect(v).toMatchObject({ kind: 'censorship', method: 'tcp_ip' });
    expect(codes(v)).toContain('ipv6_unreachable');
  });
});

describe('partial observations', () => {
  const classes = ['reset', 'timeout', 'dns', 'refused', 'stalled', 'certificate'] as const;
  it.each(classes)('only the browser error (%s): unknown, saying what is missing', (cls) => {
    const v = classify(failureOnly(cls));
    expect(v.kind).toBe('unknown');
    expect(v.confidence).toBe(0);
    expect(codes(v)).toEqual(expect.arrayContaining(['no_control', 'no_probes', 'no_canaries']));
  });

  it.each(classes)('the browser error plus working canaries (%s): never censorship above 0.5', (cls) => {
    const v = classify({ ...failureOnly(cls), canaries: CANARIES_OK });
    if (v.kind === 'censorship') expect(v.confidence).toBeLessThanOrEqual(0.5);
  });

  it('no observations at all: unknown', () => {
    const v = classify({ url: URL_HTTPS, host: HOST });
    expect(v.kind).toBe('unknown');
    expect(codes(v)).toContain('no_probes');
  });

  it('a DoH answer alone (the ISP resolver not asked) says nothing about blocking', () => {
    const v = classify({ url: URL_HTTPS, host: HOST, dns: [{ kind: 'doh', resolver: DOH, addrs: [SITE_IP] }] });
    expect(v.kind).not.toBe('censorship');
  });

  it('a malformed control is no control', () => {
    const v = classify({ ...scenarios.synDrop.withoutControl, control: { nonsense: true } as never });
    expect(v.kind).toBe('unknown');
    expect(v.evidence).toContainEqual({ code: 'no_control', params: { reason: 'unreachable' } });
  });

  it('a missing control lowers confidence for the same observation', () => {
    for (const name of ['dnsNxdomain', 'sniReset', 'http451', 'interception'] as const) {
      const { withControl, withoutControl } = both(name);
      expect(withoutControl.confidence, name).toBeLessThan(withControl.confidence);
    }
  });
});

describe('OONI rules', () => {
  it('DNS inconsistency overrides a deeper verdict: a TLS failure at a made-up address is dns', () => {
    const v = classify({
      url: URL_HTTPS,
      host: HOST,
      canaries: CANARIES_OK,
      failure: { class: 'reset' },
      dns: [{ kind: 'system', resolver: 'system', addrs: ['198.51.7.7'] }],
      tls: [{ serverName: HOST, ip: '198.51.7.7', ok: false, failure: 'reset' }],
      control: control({ ipInfo: { [SITE_IP]: { asn: 0, flags: 10 }, '198.51.7.7': { asn: 0, flags: 1 } } }),
    });
    expect(v).toMatchObject({ kind: 'censorship', method: 'dns' });
    expect(codes(v)).toEqual(expect.arrayContaining(['dns_inconsistent', 'tls_failed_with_sni']));
  });

  it('no override when a handshake validated the address (CDN edges differ)', () => {
    const v = classify({
      url: URL_HTTPS,
      host: HOST,
      canaries: CANARIES_OK,
      failure: { class: 'reset' },
      dns: [{ kind: 'system', resolver: 'system', addrs: ['198.51.7.7'] }],
      tls: [{ serverName: HOST, ip: '198.51.7.7', ok: false, failure: 'reset' }],
      control: control({ ipInfo: { [SITE_IP]: { asn: 0, flags: 10 }, '198.51.7.7': { asn: 0, flags: 1 | 8 } } }),
    });
    expect(v.method).toBe('http-failure');
  });

  it('same ASN as the control counts as consistent', () => {
    const v = classify({
      url: URL_HTTPS,
      host: HOST,
      canaries: CANARIES_OK,
      failure: { class: 'timeout' },
      dns: [{ kind: 'system', resolver: 'system', addrs: ['198.51.7.7'] }],
      tcp: [{ ip: '198.51.7.7', port: 443, ok: false, failure: 'timeout' }],
      control: control({ ipInfo: { [SITE_IP]: { asn: 62371, flags: 2 }, '198.51.7.7': { asn: 62371, flags: 1 } } }),
    });
    expect(v.method).toBe('tcp_ip');
    expect(codes(v)).toContain('dns_same_asn');
  });

  it('a bogon the control also returns is the site\'s own configuration, not blocking', () => {
    const v = classify({
      url: URL_HTTPS,
      host: HOST,
      canaries: CANARIES_OK,
      failure: { class: 'timeout' },
      dns: [{ kind: 'system', resolver: 'system', addrs: ['10.20.30.40'] }],
      control: control({ dns: ['10.20.30.40'], tcp: {}, tls: {}, http: { failure: 'generic_timeout_error' } }),
    });
    expect(v.kind).not.toBe('censorship');
    expect(codes(v)).toContain('dns_bogon_expected');
  });

  it('NXDOMAIN that the control shares is an outage (a name that does not exist)', () => {
    expect(both('domainGone').withControl.kind).toBe('outage');
  });

  it('http-diff: a plain-HTTP page unlike the control\'s, without a fingerprint', () => {
    const v = classify({
      url: URL_HTTP,
      host: HOST,
      canaries: CANARIES_OK,
      dns: [{ kind: 'system', resolver: 'system', addrs: [SITE_IP] }],
      tcp: [{ ip: SITE_IP, port: 80, ok: true }],
      http: [{ url: URL_HTTP, ok: true, status: 403, title: 'Forbidden', headers: { server: 'squid' }, body: '<title>Forbidden</title>', bodyLength: 24 }],
      control: control({ tcp: { [`${SITE_IP}:80`]: true } }),
    });
    expect(v).toMatchObject({ kind: 'censorship', method: 'http-diff', confirmed: false });
    expect(codes(v)).toEqual(expect.arrayContaining(['http_status_differs', 'http_title_differs']));
  });

  it('a plain-HTTP page that matches the control is ok', () => {
    const v = classify({
      url: URL_HTTP,
      host: HOST,
      canaries: CANARIES_OK,
      dns: [{ kind: 'system', resolver: 'system', addrs: [SITE_IP] }],
      http: [
        {
          url: URL_HTTP,
          ok: true,
          status: 200,
          title: 'Example Mail: sign in',
          headers: { 'content-type': 'text/html', 'x-example-mail': '1' },
          bodyLength: 47_000,
        },
      ],
      control: control(),
    });
    expect(v.kind).toBe('ok');
    expect(codes(v)).toContain('http_matches_control');
  });

  it('a known false-positive page (fp scope) is evidence against blocking', () => {
    const v = classify({
      url: URL_HTTP,
      host: HOST,
      canaries: CANARIES_OK,
      dns: [{ kind: 'system', resolver: 'system', addrs: [SITE_IP] }],
      http: [{ url: URL_HTTP, ok: true, status: 200, body: '<html><p>The document has moved <a href="https://x/">here</a>.</p></html>' }],
      control: control(),
    });
    expect(v.kind).not.toBe('censorship');
    expect(codes(v)).toContain('blockpage_false_positive');
  });
});

describe('browser-only rules', () => {
  it('a plain-HTTP redirect off the provider is tampering; one to the provider\'s HTTPS is not', () => {
    const base: Observations = {
      url: URL_HTTP,
      host: HOST,
      canaries: CANARIES_OK,
      dns: [{ kind: 'system', resolver: 'system', addrs: [SITE_IP] }],
      control: control({ tcp: { [`${SITE_IP}:80`]: true } }),
    };
    const off = classify({ ...base, http: [{ url: URL_HTTP, ok: true, status: 302, location: 'http://warning.isp.example.net/block' }] });
    expect(off).toMatchObject({ kind: 'censorship', method: 'http-diff' });
    expect(off.evidence).toContainEqual({ code: 'redirect_off_provider', params: { target: 'warning.isp.example.net' } });

    const upgrade = classify({ ...base, http: [{ url: URL_HTTP, ok: true, status: 301, location: 'https://mail.example.org/' }] });
    expect(upgrade.kind).toBe('ok');
    const sibling = classify({
      ...base,
      siblings: [{ host: 'account.example-mail.net', ok: true }],
      http: [{ url: URL_HTTP, ok: true, status: 302, location: 'https://account.example-mail.net/login' }],
    });
    expect(sibling.kind).toBe('ok');
  });

  it('a redirect to a fingerprinted block host is confirmed', () => {
    const v = classify({
      url: URL_HTTP,
      host: HOST,
      country: 'RU',
      canaries: CANARIES_OK,
      dns: [{ kind: 'system', resolver: 'system', addrs: [SITE_IP] }],
      http: [{ url: URL_HTTP, ok: true, status: 302, location: 'http://warning.rt.ru/?id=17' }],
    });
    expect(v).toMatchObject({ kind: 'censorship', method: 'blockpage', confirmed: true, scope: 'national' });
    expect(v.blockpage).toMatchObject({ name: 'ooni.ru_6', location: 'header.location' });
  });

  it('an HTTPS redirect elsewhere comes from the provider itself: ok', () => {
    const v = classify({
      url: URL_HTTPS,
      host: HOST,
      canaries: CANARIES_OK,
      http: [{ url: URL_HTTPS, ok: true, status: 302, location: 'https://id.other-company.example/login' }],
    });
    expect(v.kind).toBe('ok');
    expect(codes(v)).toContain('redirect_authentic');
  });

  it('a block page with no country known is still a match, and says so', () => {
    const v = classify({ ...scenarios.dnsBlockpage.withoutControl, country: undefined });
    expect(v).toMatchObject({ kind: 'censorship', method: 'blockpage', confirmed: true });
    expect(codes(v)).toContain('blockpage_country_unknown');
    expect(v.confidence).toBeLessThan(classify(scenarios.dnsBlockpage.withoutControl).confidence);
  });

  it('a block page known only from another country does not confirm', () => {
    const v = classify({ ...scenarios.dnsBlockpage.withControl, country: 'DE' });
    expect(v.confirmed).toBe(false);
    expect(codes(v)).toContain('blockpage_other_country');
  });

  it('an institutional filter page has institutional scope', () => {
    const v = classify({
      url: URL_HTTP,
      host: HOST,
      country: 'RU',
      canaries: CANARIES_OK,
      http: [{ url: URL_HTTP, ok: true, status: 302, location: 'http://block.runnet.ru/?url=mail' }],
    });
    expect(v).toMatchObject({ kind: 'censorship', confirmed: true, scope: 'institutional' });
  });

  it('other domains of the provider working makes targeted blocking likelier', () => {
    const plain = classify(scenarios.synDrop.withControl);
    const withSiblings = classify({ ...scenarios.synDrop.withControl, siblings: [{ host: 'account.example.org', ok: true }] });
    expect(withSiblings.confidence).toBeGreaterThan(plain.confidence);
    expect(codes(withSiblings)).toContain('siblings_ok');
    // A censor blocks every name of a provider: the others failing too is no sign of an outage.
    const allFail = classify({ ...scenarios.synDrop.withControl, siblings: [{ host: 'account.example.org', ok: false }] });
    expect(allFail).toMatchObject({ kind: 'censorship', method: 'tcp_ip', confidence: plain.confidence });
    expect(codes(allFail)).toContain('siblings_failed');
  });

  it('a proxy in use halves the weight of blocking: it is the proxy\'s network', () => {
    const v = classify({ ...scenarios.sniReset.withControl, proxy: true });
    expect(codes(v)).toContain('proxy_in_use');
    expect(v.kind === 'censorship' ? v.confidence : 0).toBeLessThan(classify(scenarios.sniReset.withControl).confidence);
  });

  it('old observations lose confidence when the caller passes the time', () => {
    const obs = { ...scenarios.http451.withControl, observedAt: 1_000_000 };
    const fresh = classify(obs, { now: 1_000_000 + 60_000 });
    const stale = classify(obs, { now: 1_000_000 + 3_600_000 });
    expect(stale.confidence).toBeLessThan(fresh.confidence);
    expect(codes(stale)).toContain('stale_observations');
  });

  it('the browser or an extension stopping a request is local/browser', () => {
    const v = classify({ url: URL_HTTPS, host: HOST, failure: { class: 'ignored', error: 'net::ERR_BLOCKED_BY_CLIENT' } });
    expect(v).toMatchObject({ kind: 'local', localCause: 'browser' });
  });

  it('offline browser: local/offline', () => {
    expect(classify({ ...scenarios.synDrop.withControl, offline: true })).toMatchObject({ kind: 'local', localCause: 'offline' });
    expect(classify({ url: URL_HTTPS, host: HOST, failure: { class: 'network-down' } })).toMatchObject({
      kind: 'local',
      localCause: 'offline',
    });
  });

  it('a wrong-name certificate at an address DNS made up is dns, not interception', () => {
    const v = classify({
      url: URL_HTTPS,
      host: HOST,
      canaries: CANARIES_OK,
      failure: { class: 'certificate', certificate: 'name' },
      dns: [
        { kind: 'system', resolver: 'system', addrs: [BLOCK_IP] },
        { kind: 'doh', resolver: DOH, addrs: [SITE_IP] },
      ],
      tls: [{ serverName: HOST, ip: BLOCK_IP, ok: false, failure: 'certificate', certificate: 'name' }],
      control: control(),
    });
    expect(v).toMatchObject({ kind: 'censorship', method: 'dns' });
  });

  it('an expired certificate is not called censorship', () => {
    const v = classify({
      url: URL_HTTPS,
      host: HOST,
      canaries: CANARIES_OK,
      failure: { class: 'certificate', certificate: 'date' },
      tls: [{ serverName: HOST, ip: SITE_IP, ok: false, failure: 'certificate', certificate: 'date' }],
      control: control(),
    });
    expect(v.kind).not.toBe('censorship');
    expect(codes(v)).toContain('certificate_date');
  });

  it('a retry that loads turns a failure into ok', () => {
    const v = classify({ ...scenarios.ok.withControl, failure: { class: 'reset' } });
    expect(v.kind).toBe('ok');
    expect(codes(v)).toContain('retry_succeeded');
  });
});

describe('verdict shape', () => {
  it('method only for censorship, localCause only for local, confidence in 0..1, scores for non-local', () => {
    const all = Object.values(scenarios).flatMap((s) => [classify(s.withControl), classify(s.withoutControl)]);
    for (const v of all) {
      expect(v.confidence).toBeGreaterThanOrEqual(0);
      expect(v.confidence).toBeLessThanOrEqual(1);
      if (v.kind !== 'censorship') expect(v.method).toBeUndefined();
      if (v.kind !== 'local') expect(v.localCause).toBeUndefined();
      if (v.confirmed) expect(v.kind).toBe('censorship');
      if (v.kind !== 'local') expect(v.scores).toBeDefined();
      expect(v.evidence.length).toBeGreaterThan(0);
    }
  });

  it('is deterministic and does not mutate its input', () => {
    const obs = structuredClone(scenarios.sniReset.withControl);
    const frozen = JSON.stringify(obs);
    expect(classify(obs)).toEqual(classify(obs));
    expect(JSON.stringify(obs)).toBe(frozen);
  });

  it('fingerprints can be turned off', () => {
    const v = classify(scenarios.dnsBlockpage.withControl, { fingerprints: null });
    expect(v.confirmed).toBe(false);
    expect(v.kind).toBe('censorship');
  });
});

/**
 * The lab's contract (test/lab/scenarios.ts) with observations shaped the way the extension's probes
 * fill them (lib/probes/run-probes.ts): Chromium does not expose the system resolver, bare-address
 * probes record only completed handshakes, and a failed plain fetch to an address is `unknown`.
 */
describe('as the extension probes fill them', () => {
  const SINKHOLE = '10.10.34.35';
  const doh = { kind: 'doh' as const, resolver: DOH, addrs: [SITE_IP] };
  const probedAddress = (ok: boolean, failure: 'timeout' | 'unknown' = 'unknown') => ({
    tcp: [{ ip: SITE_IP, port: 80, ok, ...(ok ? {} : { failure }) }],
    http: [{ url: `http://${SITE_IP}/`, ok, ...(ok ? { status: 200 } : {}) }],
  });

  it('tcp-blackhole in Chromium (stall, no system answer known): tcp_ip', () => {
    const a = probedAddress(false, 'timeout');
    const v = classify({
      url: URL_HTTPS,
      host: HOST,
      canaries: CANARIES_OK,
      failure: { class: 'stalled' },
      dns: [doh],
      tcp: a.tcp,
      http: [{ url: URL_HTTPS, ok: false, failure: 'timeout' }, { url: URL_HTTP, ok: false, failure: 'timeout' }, ...a.http],
      control: control({ tcp: { [`${SITE_IP}:443`]: true, [`${SITE_IP}:80`]: true } }),
    });
    expect(v).toMatchObject({ kind: 'censorship', method: 'tcp_ip' });
  });

  it('tcp-reset on every port, no bare-address handshake recorded: tcp_ip', () => {
    const a = probedAddress(false);
    const v = classify({
      url: URL_HTTPS,
      host: HOST,
      canaries: CANARIES_OK,
      failure: { class: 'reset', error: 'net::ERR_CONNECTION_RESET' },
      dns: [{ kind: 'system', resolver: 'system', addrs: [SITE_IP] }, doh],
      tcp: a.tcp,
      tls: [{ serverName: HOST, ip: SITE_IP, ok: false, failure: 'reset' }],
      http: [{ url: URL_HTTPS, ok: false, failure: 'reset' }, { url: URL_HTTP, ok: false, failure: 'reset' }, ...a.http],
      control: control(),
    });
    expect(v).toMatchObject({ kind: 'censorship', method: 'tcp_ip' });
  });

  it('tls-sni-reset with a bare-address handshake that validates (IP in the certificate): tls', () => {
    const a = probedAddress(true);
    const v = classify({
      url: URL_HTTPS,
      host: HOST,
      canaries: CANARIES_OK,
      failure: { class: 'reset' },
      dns: [{ kind: 'system', resolver: 'system', addrs: [SITE_IP] }, doh],
      tcp: a.tcp,
      tls: [
        { serverName: HOST, ip: SITE_IP, ok: false, failure: 'reset' },
        { serverName: null, ip: SITE_IP, port: 443, ok: true },
      ],
      http: [{ url: URL_HTTPS, ok: false, failure: 'reset' }, { url: URL_HTTP, ok: true, status: 301, location: URL_HTTPS }, ...a.http],
      control: control(),
    });
    expect(v).toMatchObject({ kind: 'censorship', method: 'tls' });
  });

  it.each([undefined, 'IR', 'RU'])('dns-bogon: the Iranian sinkhole with its iframe page is dns (country %s)', (country) => {
    const v = classify({
      url: URL_HTTPS,
      host: HOST,
      country,
      canaries: CANARIES_OK,
      failure: { class: 'refused', error: 'net::ERR_CONNECTION_REFUSED' },
      dns: [{ kind: 'system', resolver: 'system', addrs: [SINKHOLE] }, doh],
      tcp: [{ ip: SINKHOLE, port: 443, ok: false, failure: 'refused' }, ...probedAddress(true).tcp],
      http: [
        { url: URL_HTTPS, ok: false, failure: 'refused' },
        {
          url: URL_HTTP,
          ok: true,
          status: 200,
          body: '<html><head><title>M1-6</title></head><body><iframe src="http://10.10.34.34?type=Invalid Site&policy=MainPolicy" style="width: 100%; height: 100%"></iframe></body></html>',
        },
      ],
      control: control(),
    });
    expect(v).toMatchObject({ kind: 'censorship', method: 'dns' });
    if (country !== 'RU') expect(v).toMatchObject({ confirmed: true, blockpage: { name: 'ooni.ir_5' } });
  });

  it('dns-blockpage: a page fingerprint behind an address no DNS fingerprint knows is blockpage', () => {
    const v = classify({
      url: URL_HTTPS,
      host: HOST,
      canaries: CANARIES_OK,
      failure: { class: 'certificate', certificate: 'name', error: 'net::ERR_CERT_COMMON_NAME_INVALID' },
      dns: [{ kind: 'system', resolver: 'system', addrs: ['11.66.0.20'] }, doh],
      tls: [{ serverName: HOST, ip: '11.66.0.20', ok: false, failure: 'certificate', certificate: 'name' }],
      http: [
        { url: URL_HTTPS, ok: false, failure: 'certificate', certificate: 'name' },
        { url: URL_HTTP, ok: true, status: 200, body: '<title>TTK :: Доступ к ресурсу ограничен</title>' },
      ],
      control: control(),
    });
    expect(v).toMatchObject({ kind: 'censorship', method: 'blockpage', confirmed: true, blockpage: { name: 'ooni.ru_30' } });
    expect(codes(v)).toContain('blockpage_country_unknown');
  });
});
