/**
 * The SSRF guard, exercised for real: the service runs with private targets NOT allowed and measures
 * URLs and endpoints that point at loopback, private, link-local and metadata addresses, directly,
 * through DNS, through redirects and through a DNS answer that changes between two lookups.
 *
 * Every dial the service makes is recorded (the injected dialler wraps net.connect) and, as a safety
 * net, a dial to anything but loopback throws instead of sending a packet: the assertions are that
 * nothing was dialled and the loopback targets standing in for internal services saw no connection.
 */
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IP_FLAG } from '../../engine/control-protocol';
import { isBogon } from '../../engine/ip';
import { startDnsServer, type DnsServer } from '../../test/lab/dns-server';
import type { AddressPolicy } from '../src/address-policy';
import type { Dialer } from '../src/safe-connect';
import { startService, type RunningService } from './support/service';
import { page, startHttpTarget, type Target } from './support/targets';

let dns: DnsServer;
const dialled: string[] = [];
const cleanup: Array<{ close(): Promise<void> }> = [];

const recordingDialer: Dialer = ({ host, port }) => {
  dialled.push(`${host}:${port}`);
  if (!host.startsWith('127.') && host !== '::1') throw new Error(`test safety net: refusing to dial ${host}`);
  return net.connect({ host, port });
};

async function service(addressPolicy?: AddressPolicy): Promise<RunningService> {
  const s = await startService(
    { allowPrivateTargets: false, allowedPorts: 'any', dnsServers: [`127.0.0.1:${dns.port}`], stepTimeoutMs: 800 },
    { dial: recordingDialer, ...(addressPolicy ? { addressPolicy } : {}) },
  );
  cleanup.push(s);
  return s;
}

async function target(started: Promise<Target>): Promise<Target> {
  const t = await started;
  cleanup.push(t);
  return t;
}

beforeAll(async () => {
  dns = await startDnsServer({ host: '127.0.0.1', port: 0 });
});

afterEach(() => {
  dialled.length = 0;
});

afterAll(async () => {
  await Promise.all(cleanup.map((c) => c.close()));
  await dns?.close();
});

describe('with the default policy (public addresses only)', () => {
  let svc: RunningService;
  let internal: Target;

  beforeAll(async () => {
    svc = await service();
    internal = await target(startHttpTarget((_req, res) => res.end(page('Internal admin').body)));
  });

  const literalTargets = [
    ['loopback', () => `http://127.0.0.1:${internal.port}/`],
    ['another loopback address', () => `http://127.1.2.3:${internal.port}/`],
    ['10/8', () => 'http://10.0.0.1/'],
    ['172.16/12', () => 'http://172.16.5.4/'],
    ['192.168/16', () => 'http://192.168.1.1/'],
    ['cloud metadata (169.254.169.254)', () => 'http://169.254.169.254/latest/meta-data/'],
    ['CGNAT 100.64/10', () => 'http://100.64.0.1/'],
    ['0.0.0.0 (reaches loopback on Linux)', () => `http://0.0.0.0:${internal.port}/`],
    ['IPv6 loopback [::1]', () => `http://[::1]:${internal.port}/`],
    ['IPv4-mapped IPv6 ::ffff:127.0.0.1', () => `http://[::ffff:127.0.0.1]:${internal.port}/`],
    ['IPv6 unique local fd00::/8', () => 'http://[fd00::1]/'],
    ['IPv6 link-local fe80::/10', () => 'http://[fe80::1]/'],
    ['decimal-encoded loopback (2130706433)', () => `http://2130706433:${internal.port}/`],
    // WHATWG URL parsing turns these into 127.0.0.1 before the guard sees them.
    ['hex-encoded loopback (0x7f.1)', () => `http://0x7f.1:${internal.port}/`],
    ['hex-encoded loopback (0x7f000001)', () => `http://0x7f000001:${internal.port}/`],
    ['octal-encoded loopback (0177.0.0.1)', () => `http://0177.0.0.1:${internal.port}/`],
    ['short-form loopback (127.1)', () => `http://127.1:${internal.port}/`],
    // IPv4-compatible IPv6 (::/96, deprecated): refused whatever IPv4 it carries, however it is written.
    ['IPv4-compatible IPv6 [::7f00:1]', () => 'http://[::7f00:1]/'],
    ['IPv4-compatible IPv6 [::7f00:1] on the internal port', () => `http://[::7f00:1]:${internal.port}/`],
    ['IPv4-compatible IPv6 [::a00:1]:80', () => 'http://[::a00:1]:80/'],
    ['IPv4-compatible IPv6 written [::127.0.0.1]', () => `http://[::127.0.0.1]:${internal.port}/`],
    ['IPv4-compatible IPv6 of a public address [::8.8.8.8]', () => 'http://[::8.8.8.8]/'],
    ['NAT64 of loopback [64:ff9b::127.0.0.1]', () => `http://[64:ff9b::127.0.0.1]:${internal.port}/`],
    ['IPv6 documentation 2001:db8::/32', () => 'http://[2001:db8::1]/'],
    ['IPv6 documentation 3fff::/20', () => 'http://[3fff::1]/'],
    ['6to4 2002::/16 (of 10.0.0.1)', () => 'http://[2002:a00:1::1]/'],
    ['Teredo 2001::/32', () => 'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/'],
    ['IPv6 site-local fec0::/10', () => 'http://[fec0::1]/'],
    ['IPv6 outside 2000::/3 (SRv6 5f00::/16)', () => 'http://[5f00::1]/'],
    ['IPv4 benchmarking 198.18/15', () => 'http://198.19.255.255/'],
    ['IPv4 PCP anycast 192.0.0.9', () => 'http://192.0.0.9/'],
  ] as const;

  it.each(literalTargets)('refuses %s without connecting', async (_name, url) => {
    const before = svc.counters.refused_addresses;
    const answer = await svc.measure({ http_request: url(), tcp_connect: [] });
    expect(answer.http_request).toMatchObject({ status_code: -1, body_length: -1, failure: 'bogon_refused' });
    // The service's own endpoint for the literal is refused too, and flagged as a bogon.
    for (const result of Object.values(answer.tcp_connect)) expect(result).toEqual({ status: false, failure: 'bogon_refused' });
    for (const info of Object.values(answer.ip_info ?? {})) expect(info.flags & IP_FLAG.BOGON).toBe(IP_FLAG.BOGON);
    expect(dialled).toEqual([]);
    expect(svc.counters.refused_addresses).toBeGreaterThan(before);
  });

  it('answers bogon endpoints from the client with bogon_refused instead of dropping the request', async () => {
    const bogons = ['10.0.0.1:443', '[::1]:443', `127.0.0.1:${internal.port}`, `[::ffff:127.0.0.1]:${internal.port}`, '169.254.169.254:80'];
    const answer = await svc.measure({ http_request: 'https://mail.test/', tcp_connect: bogons });
    for (const ep of bogons) expect(answer.tcp_connect[ep]).toEqual({ status: false, failure: 'bogon_refused' });
    expect(answer.ip_info?.['127.0.0.1']?.flags).toBe(IP_FLAG.RESOLVED_BY_PROBE | IP_FLAG.BOGON);
    expect(dialled).toEqual([]);
    expect(internal.connections).toBe(0);
  });

  it('refuses IPv4-compatible endpoints from the client (the finding) and never dials them', async () => {
    const bogons = ['[::7f00:1]:443', '[::a00:1]:443', `[::127.0.0.1]:${internal.port}`, `[::7f00:1]:${internal.port}`, '[64:ff9b::7f00:1]:443'];
    const answer = await svc.measure({ http_request: 'https://mail.test/', tcp_connect: bogons });
    for (const ep of bogons) expect([ep, answer.tcp_connect[ep]]).toEqual([ep, { status: false, failure: 'bogon_refused' }]);
    expect(answer.ip_info?.['::7f00:1']?.flags).toBe(IP_FLAG.RESOLVED_BY_PROBE | IP_FLAG.BOGON);
    expect(answer.ip_info?.['::a00:1']?.flags).toBe(IP_FLAG.RESOLVED_BY_PROBE | IP_FLAG.BOGON);
    expect(dialled).toEqual([]);
    expect(internal.connections).toBe(0);
  });

  it('refuses a host name that resolves to IPv4-compatible IPv6 addresses, and reports them as IPv6', async () => {
    // ::808:808 carries a public IPv4 but is not 8.8.8.8: it must be neither reported nor dialled as such.
    dns.set('compat.test', { addrs: ['::7f00:1', '::a00:1', '::808:808'] });
    const answer = await svc.measure({ http_request: `http://compat.test:${internal.port}/`, tcp_connect: [] });
    expect(answer.dns).toEqual({ failure: null, addrs: ['::7f00:1', '::a00:1', '::808:808'] });
    expect(answer.http_request.failure).toBe('bogon_refused');
    expect(Object.values(answer.tcp_connect).every((r) => r.failure === 'bogon_refused')).toBe(true);
    expect(dialled).toEqual([]);
    expect(internal.connections).toBe(0);
  });

  it('refuses a host name that resolves to private addresses, and still reports its DNS answer', async () => {
    dns.set('intranet.test', { addrs: ['10.1.2.3', '127.0.0.1', 'fd12::7'] });
    const answer = await svc.measure({ http_request: `http://intranet.test:${internal.port}/`, tcp_connect: [] });
    expect(answer.dns).toEqual({ failure: null, addrs: ['10.1.2.3', '127.0.0.1', 'fd12::7'] });
    expect(answer.http_request.failure).toBe('bogon_refused');
    expect(Object.values(answer.tcp_connect).every((r) => r.failure === 'bogon_refused')).toBe(true);
    expect(dialled).toEqual([]);
    expect(internal.connections).toBe(0);
  });

  it('never connected the internal service in any of the cases above', () => {
    expect(internal.connections).toBe(0);
  });
});

/**
 * A policy that casts 127.0.0.1 as the one "public" address: the first hop is allowed, so the tests
 * can show that a redirect, or a second DNS answer, to anything else is refused at connect time.
 */
describe('redirects and DNS rebinding (127.0.0.1 plays the public site)', () => {
  const onlyFirstLoopback: AddressPolicy = (ip) => ip === '127.0.0.1';
  let svc: RunningService;
  let internal: Target;
  let site: Target;

  beforeAll(async () => {
    svc = await service(onlyFirstLoopback);
    internal = await target(startHttpTarget((_req, res) => res.end(page('Internal admin').body), '127.0.0.2'));
    dns.set('intranet-alias.test', { addrs: ['127.0.0.2'] });
    site = await target(
      startHttpTarget((req, res) => {
        const to: Record<string, string> = {
          '/to-self': `http://127.0.0.1:${site.port}/final`,
          '/to-private-ip': `http://10.20.30.40:${internal.port}/`,
          '/to-internal-ip': `http://127.0.0.2:${internal.port}/`,
          '/to-internal-name': `http://intranet-alias.test:${internal.port}/`,
          '/to-mapped': `http://[::ffff:127.0.0.2]:${internal.port}/`,
        };
        const location = req.url ? to[req.url] : undefined;
        if (location) return res.writeHead(302, { location }).end();
        res.end(page('Public final').body);
      }),
    );
  });

  it('follows a redirect that stays on allowed addresses (the policy really allows the first hop)', async () => {
    const answer = await svc.measure({ http_request: `http://127.0.0.1:${site.port}/to-self`, tcp_connect: [] });
    expect(answer.http_request).toMatchObject({ status_code: 200, title: 'Public final' });
    expect(answer.tcp_connect[`127.0.0.1:${site.port}`]).toEqual({ status: true, failure: null });
  });

  it.each(['/to-private-ip', '/to-internal-ip', '/to-internal-name', '/to-mapped'])('refuses the redirect %s', async (path) => {
    const answer = await svc.measure({ http_request: `http://127.0.0.1:${site.port}${path}`, tcp_connect: [] });
    expect(answer.http_request).toMatchObject({ status_code: -1, failure: 'bogon_refused' });
    expect(dialled.every((d) => d === `127.0.0.1:${site.port}`)).toBe(true);
    expect(internal.connections).toBe(0);
  });

  it('catches a DNS answer that changes between lookups (rebinding): the address connected is the address checked', async () => {
    // The first answer is the allowed address. When the site is fetched it rebinds the name to the
    // internal address (TTL 0, nothing cached) and redirects to the same host: a fetcher that checked
    // the name once, or checked one lookup and connected with another, would now reach the internal
    // service listening on 127.0.0.2 at the same port.
    const rebinder = await target(
      startHttpTarget((req, res) => {
        dns.set('rebind.test', { addrs: ['127.0.0.2'], ttl: 0 });
        res.writeHead(302, { location: '/secret' }).end();
      }),
    );
    const inside = await target(startHttpTarget((_req, res) => res.end('secret'), '127.0.0.2', rebinder.port));
    dns.set('rebind.test', { addrs: ['127.0.0.1'], ttl: 0 });
    const queriesBefore = dns.queries.length;

    const answer = await svc.measure({ http_request: `http://rebind.test:${rebinder.port}/`, tcp_connect: [] });

    expect(rebinder.connections).toBeGreaterThanOrEqual(1);
    expect(answer.http_request).toMatchObject({ status_code: -1, failure: 'bogon_refused' });
    expect(inside.connections).toBe(0);
    expect(dialled.every((d) => d.startsWith('127.0.0.1:'))).toBe(true);
    // The name was looked up again after the rebinding (no stale cache made the test pass).
    const later = dns.queries.slice(queriesBefore).filter((q) => q.name === 'rebind.test' && q.type === 1);
    expect(later.length).toBeGreaterThanOrEqual(2);
  });
});

describe('the default policy itself', () => {
  it('agrees with engine/ip.ts isBogon on the ranges the brief names', async () => {
    const { publicAddressesOnly } = await import('../src/address-policy');
    for (const ip of ['127.0.0.1', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', '::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'fd00::1', 'fe80::1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '64:ff9b::a00:1', '::7f00:1', '::a00:1', '::127.0.0.1', '::8.8.8.8', '::', '2001:db8::1', '2002:a00:1::1', 'fec0::1', '5f00::1']) {
      expect([ip, publicAddressesOnly(ip)]).toEqual([ip, false]);
      expect([ip, isBogon(ip)]).toEqual([ip, true]);
    }
    for (const ip of ['1.1.1.1', '8.8.8.8', '2606:4700::1111', '172.32.0.1', '::ffff:8.8.8.8', '64:ff9b::808:808']) {
      expect([ip, publicAddressesOnly(ip)]).toEqual([ip, true]);
      expect([ip, isBogon(ip)]).toEqual([ip, false]);
    }
    for (const junk of ['not-an-ip', 'fe80::1%eth0', '2606:4700::1111%0', '0177.0.0.1', '2130706433', '', '1'.repeat(100_000)]) {
      expect([junk.slice(0, 20), publicAddressesOnly(junk)]).toEqual([junk.slice(0, 20), false]);
    }
  });
});
