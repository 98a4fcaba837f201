/**
 * Self-test of the site simulators and of every scenario's setup, with real clients (Node sockets,
 * TLS, HTTP, the system resolver, DoH, curl), from the user's vantage and from the control's.
 * Runs inside scripts/in-lab-netns.sh.
 */
import { execFile } from 'node:child_process';
import dns from 'node:dns';
import fs from 'node:fs/promises';
import net from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage, encodeQuery, RR_TYPE } from '../../engine/dns-wire';
import { fetchFrom, tcpConnect, tlsHandshake, type HttpAnswer } from '../lab/clients';
import { LAB_NAMES, LAB_SITE_TITLE, startLab, type Lab } from '../lab/lab';
import { LAB_IPS, LAB_LOOPBACK, LAB_SINKHOLE_IP, LAB_UPLINK } from '../lab/network';
import { applyScenario, LAB_BROKEN_PROXY, SCENARIO_NAMES, SCENARIOS, type ScenarioName } from '../lab/scenarios';
import { listen } from '../lab/listener';
import { parseClientHelloSni, sniFilter } from '../lab/sni-filter';
import { LAB_BLOCKPAGE_FINGERPRINT, startHttpsSite } from '../lab/sites';

const run = promisify(execFile);
const FINGERPRINTS_CSV = new URL('../../data/blocking-fingerprints/fingerprints_http.csv', import.meta.url);

let lab: Lab;
const site = LAB_NAMES.site;
const user = (extra: Partial<Parameters<typeof fetchFrom>[0]> = {}) => ({ ip: LAB_IPS.site, host: site, ca: lab.pki.ca.cert, ...extra });
const control = (extra: Partial<Parameters<typeof fetchFrom>[0]> = {}) => user({ from: LAB_IPS.controlSource, ...extra });
const use = (name: ScenarioName) => applyScenario(lab, SCENARIOS[name]);
const lookup4 = (name: string) => dns.promises.lookup(name, { family: 4 }).then((a) => a.address);

async function dohLookup(name: string): Promise<string[]> {
  const res = await fetch(`${lab.doh.url}?dns=${Buffer.from(encodeQuery(name, RR_TYPE.A)).toString('base64url')}`);
  return decodeMessage(new Uint8Array(await res.arrayBuffer())).answers.map((a) => a.data);
}

beforeAll(async () => {
  lab = await startLab();
});
afterAll(async () => {
  await lab?.close();
});

describe('scenario switching', () => {
  it('every scenario sets up from scratch in well under a second', async () => {
    const times: Record<string, number> = {};
    for (const name of SCENARIO_NAMES) times[name] = await use(name);
    await use('ok');
    // Measured here: 50-250 ms each; `offline` ~0.5-1 s (it takes a link down and up again).
    for (const [name, ms] of Object.entries(times)) expect(ms, name).toBeLessThan(name === 'offline' ? 2000 : 1000);
  });

  it('a scenario switch kills the previous scenario’s open connections', async () => {
    await use('ok');
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: LAB_IPS.site, port: 80 }, () => resolve(s));
      s.on('error', reject);
    });
    const closed = new Promise((resolve) => socket.on('close', resolve));
    await use('tcp-reset');
    await expect(closed).resolves.toBeDefined();
  });
});

describe('ok: the real site', () => {
  beforeAll(() => use('ok'));

  it('serves a titled page over HTTPS with the lab certificate, and over HTTP', async () => {
    const https = (await fetchFrom(user())) as HttpAnswer;
    expect(https).toMatchObject({ ok: true, status: 200 });
    expect(https.body).toContain(`<title>${LAB_SITE_TITLE}</title>`);
    expect(https.headers['cache-control']).toBe('no-store');
    expect(await fetchFrom(user({ ca: undefined }))).toMatchObject({ ok: true, status: 200 });
    expect(await lookup4(site)).toBe(LAB_IPS.site);
  });

  it('has no IP in its certificate, like a real provider: a bare-IP handshake completes and fails on the name', async () => {
    const bare = await tlsHandshake({ ip: LAB_IPS.site, ca: lab.pki.ca.cert });
    expect(bare).toMatchObject({ ok: true, authorized: false, authorizationError: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('curl, trusting the lab CA, loads it through the system resolver', async () => {
    const { stdout } = await run('curl', ['-sS', '--cacert', lab.pki.ca.certPath, '-o', '/dev/null', '-w', '%{http_code} %{remote_ip}', `https://${site}/`]);
    expect(stdout).toBe(`200 ${LAB_IPS.site}`);
  });

  it('extra headers such as Onion-Location can be served', async () => {
    const onion = 'http://detourlabxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion/';
    const listener = lab.track(await startHttpsSite({ host: LAB_IPS.site, port: 8444, tls: lab.certs.site, headers: { 'onion-location': onion } }));
    const answer = (await fetchFrom(user({ port: 8444 }))) as HttpAnswer;
    expect(answer.headers['onion-location']).toBe(onion);
    await listener.close();
  });

  it('the canaries answer their known bodies, the first without CORS headers (as detectportal), the second with *', async () => {
    const a = (await fetchFrom({ ip: LAB_IPS.canaryA, host: LAB_NAMES.canaryA, path: '/canonical.html' })) as HttpAnswer;
    expect(a).toMatchObject({ status: 200, body: 'success\n' });
    expect(a.headers['access-control-allow-origin']).toBeUndefined();
    const b = (await fetchFrom({ ip: LAB_IPS.canaryB, host: LAB_NAMES.canaryB, path: '/generate_204' })) as HttpAnswer;
    expect(b).toMatchObject({ status: 204, body: '' });
    expect(b.headers['access-control-allow-origin']).toBe('*');
    expect(await lookup4(LAB_NAMES.canaryA)).toBe(LAB_IPS.canaryA);
  });
});

describe('DNS scenarios', () => {
  it('dns-nxdomain: the ISP says NXDOMAIN; the honest resolver and DoH give the real address', async () => {
    await use('dns-nxdomain');
    await expect(dns.promises.lookup(site)).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(await dohLookup(site)).toEqual([LAB_IPS.site]);
    expect(await fetchFrom(control())).toMatchObject({ ok: true, status: 200 });
  });

  it('dns-bogon: the ISP answers the sinkhole; its port 80 serves the Iranian iframe page, 443 is closed', async () => {
    await use('dns-bogon');
    expect(await lookup4(site)).toBe(LAB_SINKHOLE_IP);
    const page = (await fetchFrom({ ip: LAB_SINKHOLE_IP, host: site })) as HttpAnswer;
    expect(page.body).toContain('iframe src="http://10.10'); // ooni.ir_0
    expect(await tcpConnect({ ip: LAB_SINKHOLE_IP, port: 443 })).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    expect(await dohLookup(site)).toEqual([LAB_IPS.site]);
  });

  it('dns-blockpage: the ISP points at a 200 block page matching a real RU fingerprint; its cert is not the site’s', async () => {
    await use('dns-blockpage');
    expect(await lookup4(site)).toBe(LAB_IPS.blockPage);
    const csv = await fs.readFile(FINGERPRINTS_CSV, 'utf8');
    const row = csv.split('\n').find((line) => line.startsWith(`${LAB_BLOCKPAGE_FINGERPRINT.name},`));
    expect(row).toBeDefined();
    expect(row).toContain(`,body,contains,${LAB_BLOCKPAGE_FINGERPRINT.pattern},`);
    expect(row!.split(',')[1]).toMatch(/^(isp|nat)$/);
    expect(row).toMatch(/,RU,/);
    // Port 80 for the site's name, and 443 for the ISP's own name (its certificate is valid only for that).
    for (const answer of [
      await fetchFrom({ ip: LAB_IPS.blockPage, host: site }),
      await fetchFrom({ ip: LAB_IPS.blockPage, host: LAB_NAMES.blockPage, ca: lab.pki.ca.cert }),
    ]) {
      expect(answer).toMatchObject({ ok: true, status: 200 });
      expect((answer as HttpAnswer).body).toContain(LAB_BLOCKPAGE_FINGERPRINT.pattern);
    }
    expect(await fetchFrom({ ip: LAB_IPS.blockPage, host: site, ca: lab.pki.ca.cert })).toMatchObject({ ok: false, code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(await fetchFrom(control())).toMatchObject({ ok: true, status: 200 });
  });
});

describe('TCP scenarios', () => {
  it('tcp-blackhole: the user’s connect times out; the control connects', async () => {
    await use('tcp-blackhole');
    expect(await tcpConnect({ ip: LAB_IPS.site, port: 443, timeoutMs: 1500 })).toMatchObject({ ok: false, code: 'ETIMEDOUT' });
    expect(await tcpConnect({ ip: LAB_IPS.site, port: 80, timeoutMs: 1500 })).toMatchObject({ ok: false, code: 'ETIMEDOUT' });
    expect(await fetchFrom(control())).toMatchObject({ ok: true, status: 200 });
  });

  it('tcp-reset: connects, then a reset, on 443 and 80 and whatever the SNI; the control gets the page', async () => {
    await use('tcp-reset');
    // Accepted, then reset: on loopback the RST lands before Node reports the connect (not ECONNREFUSED).
    expect(await tcpConnect({ ip: LAB_IPS.site, port: 443 })).toMatchObject({ ok: false, code: 'ECONNRESET' });
    expect(await fetchFrom(user())).toMatchObject({ ok: false, code: 'ECONNRESET' });
    expect(await fetchFrom(user({ ca: undefined }))).toMatchObject({ ok: false, code: 'ECONNRESET' });
    expect(await tlsHandshake({ ip: LAB_IPS.site, ca: lab.pki.ca.cert })).toMatchObject({ ok: false, code: 'ECONNRESET' });
    expect(await fetchFrom(control())).toMatchObject({ ok: true, status: 200 });
  });

  it('tcp-refused: the user’s SYN gets a RST; the control connects', async () => {
    await use('tcp-refused');
    expect(await tcpConnect({ ip: LAB_IPS.site, port: 443 })).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    expect(await fetchFrom(control())).toMatchObject({ ok: true, status: 200 });
  });

  it('site-down: refused for the user and the control alike', async () => {
    await use('site-down');
    expect(await tcpConnect({ ip: LAB_IPS.site, port: 443 })).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    expect(await fetchFrom(control())).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    expect(await fetchFrom(control({ ca: undefined }))).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
  });
});

describe('TLS and HTTP scenarios', () => {
  it('tls-sni-reset: reset for the watched SNI only; other SNI, no SNI and plain HTTP get through', async () => {
    await use('tls-sni-reset');
    expect(await tlsHandshake({ ip: LAB_IPS.site, servername: site, ca: lab.pki.ca.cert })).toMatchObject({ ok: false, code: 'ECONNRESET' });
    expect(await tlsHandshake({ ip: LAB_IPS.site, servername: LAB_NAMES.siteDomain, ca: lab.pki.ca.cert })).toMatchObject({ ok: false, code: 'ECONNRESET' });
    // The provider's other names are not on the censor's list: they load from the same address.
    expect(await tlsHandshake({ ip: LAB_IPS.site, servername: `kb.${LAB_NAMES.siteDomain}`, ca: lab.pki.ca.cert })).toMatchObject({ ok: true, authorized: true });
    // Another name: the handshake completes (the site's certificate, wrong name for it).
    expect(await tlsHandshake({ ip: LAB_IPS.site, servername: 'unrelated.example.test', ca: lab.pki.ca.cert })).toMatchObject({ ok: true, authorized: false });
    // No SNI (bare IP): completes, fails only on the name.
    expect(await tlsHandshake({ ip: LAB_IPS.site, ca: lab.pki.ca.cert })).toMatchObject({ ok: true, authorizationError: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(await fetchFrom(user({ ca: undefined }))).toMatchObject({ ok: true, status: 200 });
    expect(await fetchFrom(control())).toMatchObject({ ok: true, status: 200 });
    // curl sees the same reset (exit 35: SSL connect error).
    const curl = await run('curl', ['-sS', '--cacert', lab.pki.ca.certPath, `https://${site}/`]).catch((e: { code: number; stderr: string }) => e);
    expect(curl).toMatchObject({ code: 35, stderr: expect.stringMatching(/reset/i) });
  });

  it('the SNI filter reports each ClientHello it saw, including a fragmented one', async () => {
    const seen: Array<string | null> = [];
    const listener = lab.track(
      await listen(
        LAB_IPS.site,
        8445,
        sniFilter({ blocked: ['blocked.detour-lab.test'], pass: lab.site.https, onClientHello: (h) => seen.push(h.sni) }),
      ),
    );
    await tlsHandshake({ ip: LAB_IPS.site, port: 8445, servername: 'blocked.detour-lab.test', ca: lab.pki.ca.cert });
    await tlsHandshake({ ip: LAB_IPS.site, port: 8445, servername: site, ca: lab.pki.ca.cert });
    await tlsHandshake({ ip: LAB_IPS.site, port: 8445, ca: lab.pki.ca.cert });
    expect(seen).toEqual(['blocked.detour-lab.test', site, null]);
    await listener.close();
    // A ClientHello split over two records still parses.
    const hello = Buffer.from(
      '160301003a' + '010000360303' + '00'.repeat(32) + '00' + '0002c02f' + '0100' + '000b' + '0000000700050000026162',
      'hex',
    );
    expect(parseClientHelloSni(hello)).toEqual({ sni: 'ab' });
    const body = hello.subarray(5);
    const split = Buffer.concat([Buffer.from([0x16, 3, 1, 0, 10]), body.subarray(0, 10), Buffer.from([0x16, 3, 1, 0, body.length - 10]), body.subarray(10)]);
    expect(parseClientHelloSni(split.subarray(0, 20))).toBeUndefined();
    expect(parseClientHelloSni(split)).toEqual({ sni: 'ab' });
    expect(parseClientHelloSni(Buffer.from('GET / HTTP/1.1\r\n\r\n'))).toBeNull();
  });

  it('http-451: 451 with Link rel=blocked-by over HTTPS (valid certificate) and HTTP; the control gets 200', async () => {
    await use('http-451');
    for (const answer of [await fetchFrom(user()), await fetchFrom(user({ ca: undefined }))]) {
      expect(answer).toMatchObject({ ok: true, status: 451 });
      expect((answer as HttpAnswer).headers.link).toMatch(/rel="blocked-by"/);
      expect((answer as HttpAnswer).body).toContain('Unavailable For Legal Reasons');
    }
    expect(await fetchFrom(control())).toMatchObject({ ok: true, status: 200 });
  });

  it('tls-interception: a certificate for the site from the untrusted CA; the control sees the real one', async () => {
    await use('tls-interception');
    expect(await tlsHandshake({ ip: LAB_IPS.site, servername: site, ca: lab.pki.ca.cert })).toMatchObject({
      ok: true,
      authorized: false,
      authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      issuer: 'Lab National Security Certificate',
    });
    expect(await tlsHandshake({ ip: LAB_IPS.site, servername: site, ca: lab.pki.interceptionCa.cert })).toMatchObject({ ok: true, authorized: true });
    expect(await tlsHandshake({ ip: LAB_IPS.site, servername: site, ca: lab.pki.ca.cert, from: LAB_IPS.controlSource })).toMatchObject({
      ok: true,
      authorized: true,
      issuer: 'Detour Lab Root CA',
    });
  });
});

describe('local-network scenarios', () => {
  it('network-down: the ISP resolver is silent; site, canaries, DoH and control are unreachable; the control itself still sees the site', async () => {
    await use('network-down');
    await expect(dns.promises.lookup(site)).rejects.toMatchObject({ code: 'EAI_AGAIN' });
    expect(await tcpConnect({ ip: LAB_IPS.site, port: 443 })).toMatchObject({ ok: false, code: 'EHOSTUNREACH' });
    expect(await tcpConnect({ ip: LAB_IPS.canaryA, port: 80 })).toMatchObject({ ok: false, code: 'EHOSTUNREACH' });
    expect(await tcpConnect({ ip: LAB_LOOPBACK.doh, port: lab.doh.port })).toMatchObject({ ok: false, code: 'EHOSTUNREACH' });
    expect(await tcpConnect({ ip: LAB_LOOPBACK.control, port: 8080 })).toMatchObject({ ok: false, code: 'EHOSTUNREACH' });
    expect(await fetchFrom(control())).toMatchObject({ ok: true, status: 200 });
  });

  it('offline: as network-down, and the LAN link is down', async () => {
    await use('offline');
    const { stdout } = await run('ip', ['-o', 'link', 'show', LAB_UPLINK.device]);
    expect(stdout).toContain('state DOWN');
    await use('ok');
    expect((await run('ip', ['-o', 'link', 'show', LAB_UPLINK.device])).stdout).not.toContain('state DOWN');
  });

  it('captive-portal: every name resolves to the portal, which redirects any Host to its login page', async () => {
    await use('captive-portal');
    for (const name of [site, LAB_NAMES.canaryA, LAB_NAMES.canaryB, 'anything.example.test']) expect(await lookup4(name)).toBe(LAB_IPS.portal);
    const canary = (await fetchFrom({ ip: LAB_IPS.portal, host: LAB_NAMES.canaryA, path: '/canonical.html' })) as HttpAnswer;
    expect(canary).toMatchObject({ status: 302 });
    expect(canary.headers.location).toBe(`http://${LAB_NAMES.portal}/login`);
    const login = (await fetchFrom({ ip: LAB_IPS.portal, host: LAB_NAMES.portal, path: '/login' })) as HttpAnswer;
    expect(login).toMatchObject({ status: 200, body: expect.stringContaining('Guest Wi-Fi') });
    expect(await fetchFrom({ ip: LAB_IPS.portal, host: site, ca: lab.pki.ca.cert })).toMatchObject({ ok: false, code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(await tcpConnect({ ip: LAB_LOOPBACK.doh, port: lab.doh.port })).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    expect(await fetchFrom(control())).toMatchObject({ ok: true, status: 200 });
  });

  it('broken-proxy: nothing listens where the browser is told to find its proxy; the internet itself works', async () => {
    await use('broken-proxy');
    expect(await tcpConnect({ ip: LAB_BROKEN_PROXY.host, port: LAB_BROKEN_PROXY.port })).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    expect(await fetchFrom(user())).toMatchObject({ ok: true, status: 200 });
  });
});
