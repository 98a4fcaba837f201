/**
 * The real service measuring real loopback targets: what it reports must match what the targets
 * served (status, body length, title, headers) or how they failed (refused, reset, EOF, silence,
 * NXDOMAIN, wrong certificate), in OONI's words.
 */
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IP_FLAG } from '../../engine/control-protocol';
import { startDnsServer, type DnsServer } from '../../test/lab/dns-server';
import { makeTestCa, type TestCa } from './support/pki';
import { startService, type RunningService } from './support/service';
import {
  closedPort,
  page,
  startEofTarget,
  startHttpsTarget,
  startHttpTarget,
  startResetTarget,
  startSilentTarget,
  type Target,
} from './support/targets';

let dns: DnsServer;
let ca: TestCa;
let stranger: TestCa;
let service: RunningService;
const cleanup: Array<{ close(): Promise<void> }> = [];

async function target<T extends { close(): Promise<void> }>(started: Promise<T>): Promise<T> {
  const t = await started;
  cleanup.push(t);
  return t;
}

beforeAll(async () => {
  dns = await startDnsServer({ host: '127.0.0.1', port: 0 });
  for (const name of ['mail.test', 'plain.test', 'wrongname.test', 'stranger.test', 'down.test', 'silent.test', 'reset.test']) {
    dns.set(name, { addrs: ['127.0.0.1'] });
  }
  dns.set('nx.test', { rcode: 'NXDOMAIN' });
  dns.set('dropped.test', { drop: true });
  ca = makeTestCa();
  stranger = makeTestCa('Stranger CA');
  service = await startService({
    dnsServers: [`127.0.0.1:${dns.port}`],
    extraCaFile: ca.certFile,
    stepTimeoutMs: 600,
    measurementTimeoutMs: 3_000,
  });
});

afterAll(async () => {
  await service?.close();
  await Promise.all(cleanup.map((t) => t.close()));
  await dns?.close();
  ca?.remove();
  stranger?.remove();
});

describe('a site that is up', () => {
  it('HTTPS: DNS, TCP, TLS and the page all match what the target served', async () => {
    const served = page('Example Mail — Sign in');
    const seen: Array<{ url?: string; host?: string; ua?: string; lang?: string; cookie?: string }> = [];
    const site = await target(
      startHttpsTarget(ca.issue(['mail.test']), (req, res) => {
        seen.push({ url: req.url, host: req.headers.host, ua: req.headers['user-agent'], lang: req.headers['accept-language'] });
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'x-detour-test': 'first', 'X-Multi': ['a', 'b'] });
        res.end(served.body);
      }),
    );
    const ep = `127.0.0.1:${site.port}`;
    const answer = await service.measure({
      http_request: `https://mail.test:${site.port}/inbox?x=1`,
      http_request_headers: { 'User-Agent': ['DetourTest/1'], 'Accept-Language': ['fa-IR'], Cookie: ['stolen=1'] },
      tcp_connect: [ep],
    });

    expect(answer.dns).toEqual({ failure: null, addrs: ['127.0.0.1'] });
    expect(answer.tcp_connect).toEqual({ [ep]: { status: true, failure: null } });
    expect(answer.tls_handshake).toEqual({ [ep]: { server_name: 'mail.test', status: true, failure: null } });
    expect(answer.http_request).toMatchObject({
      status_code: 200,
      body_length: served.length,
      title: 'Example Mail — Sign in',
      failure: null,
      discovered_h3_endpoint: '',
    });
    expect(answer.http_request.headers).toMatchObject({
      'Content-Type': 'text/html; charset=utf-8',
      'X-Detour-Test': 'first',
      'X-Multi': 'a',
    });
    expect(answer.ip_info).toEqual({
      '127.0.0.1': { asn: 0, flags: IP_FLAG.RESOLVED_BY_PROBE | IP_FLAG.RESOLVED_BY_TH | IP_FLAG.BOGON | IP_FLAG.VALID_FOR_DOMAIN },
    });
    // One connection: the fetch reused the TLS step's verified connection to the same endpoint.
    expect(seen).toEqual([{ url: '/inbox?x=1', host: `mail.test:${site.port}`, ua: 'DetourTest/1', lang: 'fa-IR' }]);
    expect(site.connections).toBe(1);
  });

  it('plain HTTP: follows redirects, carries cookies along the chain, reports the final page', async () => {
    const served = page('Plain inbox', 'x'.repeat(5000));
    const cookies: Array<string | undefined> = [];
    const site = await target(
      startHttpTarget((req, res) => {
        cookies.push(req.headers.cookie);
        if (req.url === '/') return res.writeHead(302, { location: '/step', 'set-cookie': 'session=abc; Path=/' }).end();
        if (req.url === '/step') return res.writeHead(301, { location: `http://plain.test:${(req.socket.localPort)}/final` }).end();
        res.writeHead(200, { 'content-type': 'text/html' }).end(served.body);
      }),
    );
    const answer = await service.measure({ http_request: `http://plain.test:${site.port}/`, http_request_headers: {}, tcp_connect: [] });
    expect(answer.http_request).toMatchObject({ status_code: 200, body_length: served.length, title: 'Plain inbox', failure: null });
    expect(cookies).toEqual([undefined, 'session=abc', 'session=abc']);
    expect(answer.tls_handshake).toEqual({});
    expect(answer.tcp_connect).toEqual({ [`127.0.0.1:${site.port}`]: { status: true, failure: null } });
    expect(answer.ip_info?.['127.0.0.1']?.flags).toBe(IP_FLAG.RESOLVED_BY_TH | IP_FLAG.BOGON);
  });

  it('measures the decompressed body when the site sends gzip, and stops reading at the byte cap', async () => {
    const big = page('Big', 'y'.repeat(3 * 1024 * 1024));
    const site = await target(
      startHttpTarget((req, res) => {
        if (req.url === '/gz') return res.writeHead(200, { 'content-encoding': 'gzip' }).end(zlib.gzipSync(page('Zipped').body));
        res.writeHead(200, { 'content-type': 'text/html' }).end(big.body);
      }),
    );
    const gz = await service.measure({ http_request: `http://plain.test:${site.port}/gz`, tcp_connect: [] });
    expect(gz.http_request).toMatchObject({ status_code: 200, body_length: page('Zipped').length, title: 'Zipped' });
    const capped = await service.measure({ http_request: `http://plain.test:${site.port}/big`, tcp_connect: [] });
    expect(capped.http_request).toMatchObject({ status_code: 200, body_length: 1024 * 1024, title: 'Big', failure: null });
  });

  it('times the body it read (x_detour_body_ms), so a client can tell a throttled page from a slow site', async () => {
    const served = page('Slow', 'z'.repeat(4000));
    const site = await target(
      startHttpTarget((req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        // Half now, half after 300 ms: the body takes that long to read from here too.
        const body = Buffer.from(served.body);
        res.write(body.subarray(0, 2000));
        setTimeout(() => res.end(body.subarray(2000)), 300);
      }),
    );
    const answer = await service.measure({ http_request: `http://plain.test:${site.port}/`, tcp_connect: [] });
    expect(answer.http_request).toMatchObject({ status_code: 200, body_length: served.length, failure: null });
    expect(answer.http_request.x_detour_body_ms).toBeGreaterThanOrEqual(250);
    expect(answer.http_request.x_detour_body_ms).toBeLessThan(5000);
  });

  it('gives up after the redirect cap', async () => {
    const site = await target(startHttpTarget((req, res) => res.writeHead(302, { location: `/r${Math.random()}` }).end()));
    const answer = await service.measure({ http_request: `http://plain.test:${site.port}/`, tcp_connect: [] });
    expect(answer.http_request).toMatchObject({ status_code: -1, body_length: -1, failure: 'too_many_redirects' });
    expect(site.connections).toBe(11);
  });
});

describe('which connection the fetch uses', () => {
  it("fetches over the service's own addresses, not the client's, and leaves no connection open", async () => {
    const real = page('The real inbox');
    const site = await target(startHttpsTarget(ca.issue(['multi.test']), (_req, res) => res.end(real.body)));
    // A "block page" server on another address, same port: the client's DNS pointed there.
    const requests: string[] = [];
    const blockPage = await target(
      startHttpsTarget(ca.issue(['multi.test']), (req, res) => requests.push(req.url ?? '') && res.end(page('Blocked').body), '127.0.0.3', site.port),
    );
    // The service's own answer: an address where nothing listens first, then the real site.
    dns.set('multi.test', { addrs: ['127.0.0.2', '127.0.0.1'] });
    const p = site.port;
    const answer = await service.measure({ http_request: `https://multi.test:${p}/`, tcp_connect: [`127.0.0.3:${p}`] });

    expect(answer.tcp_connect).toEqual({
      [`127.0.0.3:${p}`]: { status: true, failure: null },
      [`127.0.0.2:${p}`]: { status: false, failure: 'connection_refused' },
      [`127.0.0.1:${p}`]: { status: true, failure: null },
    });
    expect(answer.http_request).toMatchObject({ status_code: 200, title: 'The real inbox', body_length: real.length });
    expect(answer.ip_info).toMatchObject({
      '127.0.0.3': { flags: IP_FLAG.RESOLVED_BY_PROBE | IP_FLAG.BOGON | IP_FLAG.VALID_FOR_DOMAIN },
      '127.0.0.2': { flags: IP_FLAG.RESOLVED_BY_TH | IP_FLAG.BOGON },
      '127.0.0.1': { flags: IP_FLAG.RESOLVED_BY_TH | IP_FLAG.BOGON | IP_FLAG.VALID_FOR_DOMAIN },
    });
    expect(requests).toEqual([]);
    expect(blockPage.connections).toBe(1);
    expect(site.connections).toBe(1);
    await expect.poll(() => site.open + blockPage.open).toBe(0);
  });
});

describe('a site that is down', () => {
  it('closed port: connection_refused at TCP and HTTP', async () => {
    const port = await closedPort();
    const ep = `127.0.0.1:${port}`;
    const answer = await service.measure({ http_request: `https://down.test:${port}/`, tcp_connect: [ep] });
    expect(answer.tcp_connect).toEqual({ [ep]: { status: false, failure: 'connection_refused' } });
    expect(answer.tls_handshake).toEqual({});
    expect(answer.http_request).toEqual({
      status_code: -1,
      body_length: -1,
      failure: 'connection_refused',
      title: '',
      headers: {},
      discovered_h3_endpoint: '',
    });
  });

  it('a server that accepts and never answers: TCP ok, then generic_timeout_error, within the budget', async () => {
    const silent = await target(startSilentTarget());
    const ep = `127.0.0.1:${silent.port}`;
    const started = Date.now();
    const answer = await service.measure({ http_request: `https://silent.test:${silent.port}/`, tcp_connect: [ep] });
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(answer.tcp_connect[ep]).toEqual({ status: true, failure: null });
    expect(answer.tls_handshake?.[ep]).toEqual({ server_name: 'silent.test', status: false, failure: 'generic_timeout_error' });
    expect(answer.http_request.failure).toBe('generic_timeout_error');
  });

  it('NXDOMAIN: dns_name_error in the dns block, dns_nxdomain_error for the fetch', async () => {
    const answer = await service.measure({ http_request: 'https://nx.test/', tcp_connect: [] });
    expect(answer.dns).toEqual({ failure: 'dns_name_error', addrs: [] });
    expect(answer.tcp_connect).toEqual({});
    expect(answer.http_request).toMatchObject({ status_code: -1, body_length: -1, failure: 'dns_nxdomain_error' });
  });

  it('a resolver that never answers: generic_timeout_error', async () => {
    const answer = await service.measure({ http_request: 'https://dropped.test/', tcp_connect: [] });
    expect(answer.dns).toEqual({ failure: 'generic_timeout_error', addrs: [] });
    expect(answer.http_request.failure).toBe('generic_timeout_error');
  });
});

describe('interference', () => {
  it('reset on accept: connection_reset', async () => {
    const reset = await target(startResetTarget('on-accept'));
    const ep = `127.0.0.1:${reset.port}`;
    const answer = await service.measure({ http_request: `http://reset.test:${reset.port}/`, tcp_connect: [ep] });
    // The RST can beat the connect() completion: either way the kernel saw the handshake answered.
    expect([null, 'connection_reset']).toContain(answer.tcp_connect[ep]?.failure);
    expect(answer.http_request.failure).toBe('connection_reset');
  });

  it('reset after the ClientHello (SNI filtering): TCP ok, TLS connection_reset', async () => {
    const reset = await target(startResetTarget('after-first-data'));
    const ep = `127.0.0.1:${reset.port}`;
    const answer = await service.measure({ http_request: `https://reset.test:${reset.port}/`, tcp_connect: [ep] });
    expect(answer.tcp_connect[ep]).toEqual({ status: true, failure: null });
    expect(answer.tls_handshake?.[ep]).toEqual({ server_name: 'reset.test', status: false, failure: 'connection_reset' });
    expect(answer.http_request.failure).toBe('connection_reset');
  });

  it('a clean close before any answer: eof_error', async () => {
    const eof = await target(startEofTarget());
    const ep = `127.0.0.1:${eof.port}`;
    const tls = await service.measure({ http_request: `https://reset.test:${eof.port}/`, tcp_connect: [ep] });
    expect(tls.tls_handshake?.[ep]?.failure).toBe('eof_error');
    expect(tls.http_request.failure).toBe('eof_error');
    const plain = await service.measure({ http_request: `http://reset.test:${eof.port}/`, tcp_connect: [] });
    expect(plain.http_request.failure).toBe('eof_error');
  });

  it('a certificate for another name: ssl_invalid_hostname, and the IP is not TLS-validated', async () => {
    const site: Target = await target(startHttpsTarget(ca.issue(['elsewhere.test']), (_req, res) => res.end('no')));
    const ep = `127.0.0.1:${site.port}`;
    const answer = await service.measure({ http_request: `https://wrongname.test:${site.port}/`, tcp_connect: [ep] });
    expect(answer.tls_handshake?.[ep]).toEqual({ server_name: 'wrongname.test', status: false, failure: 'ssl_invalid_hostname' });
    expect(answer.http_request.failure).toBe('ssl_invalid_hostname');
    expect((answer.ip_info?.['127.0.0.1']?.flags ?? 0) & IP_FLAG.VALID_FOR_DOMAIN).toBe(0);
  });

  it('a certificate from an unknown authority: ssl_unknown_authority', async () => {
    const site = await target(startHttpsTarget(stranger.issue(['stranger.test']), (_req, res) => res.end('mitm')));
    const ep = `127.0.0.1:${site.port}`;
    const answer = await service.measure({ http_request: `https://stranger.test:${site.port}/`, tcp_connect: [ep] });
    expect(answer.tls_handshake?.[ep]?.failure).toBe('ssl_unknown_authority');
    expect(answer.http_request.failure).toBe('ssl_unknown_authority');
  });

  it('an IP-literal https URL is verified against the certificate\'s IP names, without SNI', async () => {
    const site = await target(startHttpsTarget(ca.issue(['mail.test'], ['127.0.0.1']), (_req, res) => res.end(page('By IP').body)));
    const answer = await service.measure({ http_request: `https://127.0.0.1:${site.port}/`, tcp_connect: [] });
    expect(answer.dns).toEqual({ failure: null, addrs: ['127.0.0.1'] });
    expect(answer.http_request).toMatchObject({ status_code: 200, title: 'By IP' });
  });
});
