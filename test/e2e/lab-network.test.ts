/**
 * Self-test of the lab's network layer: addresses, resolvers, DoH, firewall, PKI. Real clients only
 * (Node's resolver and sockets, openssl, certutil). Runs inside scripts/in-lab-netns.sh.
 */
import { execFile } from 'node:child_process';
import dns from 'node:dns';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage, encodeQuery, RR_TYPE } from '../../engine/dns-wire';
import { isBogon } from '../../engine/ip';
import { fetchFrom, tcpConnect, tlsHandshake } from '../lab/clients';
import { startDohServer, type DohServer } from '../lab/doh-server';
import { listen, type Listener } from '../lab/listener';
import {
  addLoopbackAddresses,
  assertInLabNetns,
  LAB_BOUND_ADDRESSES,
  LAB_IPS,
  LAB_LOOPBACK,
  LAB_SINKHOLE_IP,
  LAB_UPLINK,
  startLabNetwork,
  type LabNetwork,
} from '../lab/network';
import { createLabPki, LAB_CA_NICKNAME, type LabPki } from '../lab/pki';
import { httpsHandler, page } from '../lab/sites';

const run = promisify(execFile);

let network: LabNetwork;
let pki: LabPki;
let doh: DohServer;

beforeAll(async () => {
  network = await startLabNetwork();
  pki = await createLabPki();
  doh = await startDohServer({ host: LAB_LOOPBACK.doh, port: 0, zone: network.honest });
});

afterAll(async () => {
  await doh?.close();
  await network?.close();
  await pki?.dispose();
});

describe('namespace and addresses', () => {
  it('refuses to run outside the lab namespace', () => {
    const saved = process.env.DETOUR_LAB_NETNS;
    delete process.env.DETOUR_LAB_NETNS;
    try {
      expect(() => assertInLabNetns()).toThrow(/in-lab-netns\.sh/);
    } finally {
      process.env.DETOUR_LAB_NETNS = saved;
    }
  });

  it('binds every lab address to lo, idempotently, and brings the veth uplink up', async () => {
    await addLoopbackAddresses(LAB_BOUND_ADDRESSES); // a second time: no "File exists"
    const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show', 'dev', 'lo']);
    for (const address of LAB_BOUND_ADDRESSES) expect(stdout).toContain(` ${address}/32`);
    const link = await run('ip', ['-o', 'link', 'show', LAB_UPLINK.device]);
    expect(link.stdout).toMatch(/state UP|LOWER_UP/);
  });

  it('uses public-looking site addresses (not bogons) and a bogon sinkhole', () => {
    for (const [role, address] of Object.entries(LAB_IPS)) expect(isBogon(address), role).toBe(false);
    expect(isBogon(LAB_SINKHOLE_IP)).toBe(true);
  });

  it('has no route off the machine: a non-lab public address is unreachable at once', async () => {
    const result = await tcpConnect({ ip: '1.1.1.1', port: 443, timeoutMs: 2000 });
    expect(result).toMatchObject({ ok: false, code: 'ENETUNREACH' });
  });
});

describe('resolvers', () => {
  it('the system resolver of the namespace is the ISP resolver, with NXDOMAIN, answers and silence', async () => {
    network.isp.set('mail.detour-lab.test', { addrs: [LAB_IPS.site] });
    network.isp.set('silent.detour-lab.test', { drop: true });
    expect(await dns.promises.lookup('mail.detour-lab.test', { family: 4 })).toEqual({ address: LAB_IPS.site, family: 4 });
    await expect(dns.promises.lookup('nothing.detour-lab.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    const started = Date.now();
    await expect(dns.promises.lookup('silent.detour-lab.test')).rejects.toMatchObject({ code: 'EAI_AGAIN' });
    expect(Date.now() - started).toBeLessThan(5000); // resolv.conf: timeout:1 attempts:1
    expect(network.isp.queries.some((q) => q.name === 'mail.detour-lab.test')).toBe(true);
  });

  it('a default answer covers every name (captive portal), and clear() removes it', async () => {
    network.isp.setDefault({ addrs: [LAB_IPS.portal] });
    expect((await dns.promises.lookup('anything.example.test', { family: 4 })).address).toBe(LAB_IPS.portal);
    network.isp.clear();
    await expect(dns.promises.lookup('anything.example.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('the honest resolver answers on 127.0.0.54:53 independently of the ISP zone', async () => {
    network.honest.set('mail.detour-lab.test', { addrs: [LAB_IPS.site] });
    network.isp.set('mail.detour-lab.test', { rcode: 'NXDOMAIN' });
    const resolver = new dns.promises.Resolver({ timeout: 1000, tries: 1 });
    resolver.setServers([LAB_LOOPBACK.honestResolver]);
    expect(await resolver.resolve4('mail.detour-lab.test')).toEqual([LAB_IPS.site]);
  });
});

describe('DoH server (RFC 8484)', () => {
  const query = (name: string) => Buffer.from(encodeQuery(name, RR_TYPE.A, 0x1234));

  it('answers GET ?dns= and POST application/dns-message from the honest zone, with CORS', async () => {
    network.honest.set('mail.detour-lab.test', { addrs: [LAB_IPS.site] });
    const get = await fetch(`${doh.url}?dns=${query('mail.detour-lab.test').toString('base64url')}`);
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBe('application/dns-message');
    expect(get.headers.get('access-control-allow-origin')).toBe('*');
    const answer = decodeMessage(new Uint8Array(await get.arrayBuffer()));
    expect(answer.answers.filter((a) => a.type === RR_TYPE.A).map((a) => a.data)).toEqual([LAB_IPS.site]);

    const post = await fetch(doh.url, { method: 'POST', headers: { 'content-type': 'application/dns-message' }, body: query('nope.detour-lab.test') });
    expect(post.status).toBe(200);
    expect(decodeMessage(new Uint8Array(await post.arrayBuffer())).rcode).toBe(3); // NXDOMAIN
    expect(doh.queries).toEqual(['mail.detour-lab.test', 'nope.detour-lab.test']);
  });

  it('rejects garbage with 400 and answers CORS preflights', async () => {
    expect((await fetch(`${doh.url}?dns=!!`)).status).toBe(400);
    const preflight = await fetch(doh.url, { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('stalls when told to (a DoH resolver blocked by timeout)', async () => {
    doh.stall = true;
    try {
      await expect(fetch(`${doh.url}?dns=${query('mail.detour-lab.test').toString('base64url')}`, { signal: AbortSignal.timeout(500) })).rejects.toThrow();
    } finally {
      doh.stall = false;
    }
  });
});

describe('firewall', () => {
  let server: Listener;
  beforeAll(async () => {
    server = await listen(LAB_IPS.site, 8443, (socket) => socket.end('hello'));
  });
  afterAll(async () => {
    await server.close();
    await network.firewall.flush();
  });

  it.each([
    ['drop-syn', 'ETIMEDOUT'],
    ['reset', 'ECONNREFUSED'],
    ['unreachable', 'EHOSTUNREACH'],
  ] as const)('%s makes a connect fail with %s, and spares the control source', async (action, code) => {
    const remove = await network.firewall.add({ dst: LAB_IPS.site, port: 8443, action });
    try {
      expect(await tcpConnect({ ip: LAB_IPS.site, port: 8443, timeoutMs: 1500 })).toMatchObject({ ok: false, code });
      expect(await tcpConnect({ ip: LAB_IPS.site, port: 8443, from: LAB_IPS.controlSource })).toEqual({ ok: true });
    } finally {
      await remove();
    }
    expect(await tcpConnect({ ip: LAB_IPS.site, port: 8443 })).toEqual({ ok: true });
  });

  it('drops UDP (a resolver that never answers) and flushes back to the exemptions only', async () => {
    network.isp.set('mail.detour-lab.test', { addrs: [LAB_IPS.site] });
    await network.firewall.add({ dst: LAB_LOOPBACK.ispResolver, port: 53, proto: 'udp', action: 'drop' });
    await expect(dns.promises.lookup('mail.detour-lab.test')).rejects.toMatchObject({ code: 'EAI_AGAIN' });
    await network.firewall.flush();
    expect(await network.firewall.list()).not.toContain('DROP');
    expect((await dns.promises.lookup('mail.detour-lab.test', { family: 4 })).address).toBe(LAB_IPS.site);
  });
});

describe('PKI', () => {
  it('issues leaves that verify against the lab root, and interception leaves that do not', async () => {
    const leaf = await pki.issue({ names: ['mail.detour-lab.test'], ips: [LAB_IPS.site] });
    const mitm = await pki.issue({ names: ['mail.detour-lab.test'], issuer: 'interception' });
    await expect(run('openssl', ['verify', '-CAfile', pki.ca.certPath, leaf.certPath])).resolves.toMatchObject({ stdout: expect.stringContaining('OK') });
    await expect(run('openssl', ['verify', '-CAfile', pki.ca.certPath, mitm.certPath])).rejects.toThrow();
    const text = (await run('openssl', ['x509', '-in', leaf.certPath, '-noout', '-ext', 'subjectAltName'])).stdout;
    expect(text).toContain('DNS:mail.detour-lab.test');
    expect(text).toContain(`IP Address:${LAB_IPS.site}`);
    expect(await pki.issue({ ips: [LAB_IPS.site], names: ['mail.detour-lab.test'] })).toBe(leaf); // cached
  });

  it('a TLS client trusting the lab root accepts a lab site and refuses the interception CA', async () => {
    const good = await pki.issue({ names: ['tls.detour-lab.test'] });
    const bad = await pki.issue({ names: ['tls.detour-lab.test'], issuer: 'interception' });
    const a = await listen(LAB_IPS.site, 9443, httpsHandler(good, page()));
    const b = await listen(LAB_IPS.site, 9444, httpsHandler(bad, page()));
    try {
      expect(await tlsHandshake({ ip: LAB_IPS.site, port: 9443, servername: 'tls.detour-lab.test', ca: pki.ca.cert })).toMatchObject({ ok: true, authorized: true });
      expect(await tlsHandshake({ ip: LAB_IPS.site, port: 9444, servername: 'tls.detour-lab.test', ca: pki.ca.cert })).toMatchObject({
        ok: true,
        authorized: false,
        authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
        issuer: 'Lab National Security Certificate',
      });
      expect(await fetchFrom({ ip: LAB_IPS.site, port: 9443, host: 'tls.detour-lab.test', ca: pki.ca.cert })).toMatchObject({ ok: true, status: 200 });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('adds the lab root to an NSS database as a TLS anchor (C,,)', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'detour-nss-'));
    try {
      await pki.trustInNssDb(dir);
      await pki.trustInNssDb(dir); // again: certutil replaces, no error
      const { stdout } = await run('certutil', ['-L', '-d', `sql:${dir}`]);
      expect(stdout).toMatch(new RegExp(`${LAB_CA_NICKNAME}\\s+C,,`));
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
