import { describe, expect, it } from 'vitest';
import { Resolver } from 'node:dns/promises';
import {
  base64Url,
  decodeMessage,
  DnsWireError,
  encodeQuery,
  encodeResponse,
  fromBase64Url,
  RCODE,
  RR_TYPE,
} from '../../engine/dns-wire';
import { startDnsServer } from '../lab/dns-server';

describe('dns wire format', () => {
  it('round-trips a query and an answer with A, AAAA and CNAME records', () => {
    const query = decodeMessage(encodeQuery('Mail.Example.ORG', RR_TYPE.A, 4242));
    expect(query).toMatchObject({ id: 4242, response: false, recursionDesired: true });
    expect(query.questions).toEqual([{ name: 'mail.example.org', type: RR_TYPE.A, class: 1 }]);

    const wire = encodeResponse({
      id: 4242,
      question: query.questions[0]!,
      answers: [
        { name: 'mail.example.org', type: RR_TYPE.CNAME, ttl: 60, data: 'edge.example.net' },
        { name: 'edge.example.net', type: RR_TYPE.A, ttl: 60, data: '198.51.100.7' },
        { name: 'edge.example.net', type: RR_TYPE.AAAA, ttl: 60, data: '2001:db8::7' },
        { name: 'edge.example.net', type: RR_TYPE.AAAA, ttl: 60, data: '2001:db8:0:1:0:0:0:1' },
      ],
    });
    const answer = decodeMessage(wire);
    expect(answer.response).toBe(true);
    expect(answer.rcode).toBe(RCODE.NOERROR);
    expect(answer.answers.map((a) => a.data)).toEqual(['edge.example.net', '198.51.100.7', '2001:db8::7', '2001:db8:0:1::1']);
  });

  it('carries NXDOMAIN', () => {
    const q = decodeMessage(encodeQuery('nope.example', RR_TYPE.AAAA)).questions[0]!;
    expect(decodeMessage(encodeResponse({ id: 1, question: q, rcode: RCODE.NXDOMAIN })).rcode).toBe(RCODE.NXDOMAIN);
  });

  it('refuses malformed and hostile messages with a DnsWireError', () => {
    const valid = encodeResponse({
      id: 1,
      question: { name: 'a.example', type: 1, class: 1 },
      answers: [{ name: 'a.example', type: 1, ttl: 1, data: '192.0.2.1' }],
    });
    for (let cut = 0; cut < valid.length; cut += 1) {
      expect(() => decodeMessage(valid.subarray(0, cut))).toThrow(DnsWireError);
    }
    // A compression pointer to itself would loop forever.
    const loop = new Uint8Array([0, 1, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4]);
    expect(() => decodeMessage(loop)).toThrow(/compression pointer/);
    expect(() => encodeQuery('x'.repeat(64) + '.example', 1)).toThrow(DnsWireError);
  });

  it('encodes RFC 8484 base64url without padding', () => {
    const bytes = encodeQuery('example.com', RR_TYPE.A);
    const text = base64Url(bytes);
    expect(text).not.toMatch(/[=+/]/);
    expect(fromBase64Url(text)).toEqual(bytes);
    expect(() => fromBase64Url('not base64!')).toThrow(DnsWireError);
  });
});

describe('lab DNS server', () => {
  it('answers a real resolver over UDP with the zone the test sets', async () => {
    const server = await startDnsServer();
    try {
      server.set('mail.example.test', { addrs: ['198.51.100.7', '2001:db8::7'] });
      server.set('blocked.example.test', { rcode: 'NXDOMAIN' });
      const resolver = new Resolver({ timeout: 1000, tries: 1 });
      resolver.setServers([`127.0.0.1:${server.port}`]);
      expect(await resolver.resolve4('mail.example.test')).toEqual(['198.51.100.7']);
      expect(await resolver.resolve6('mail.example.test')).toEqual(['2001:db8::7']);
      await expect(resolver.resolve4('blocked.example.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
      await expect(resolver.resolve4('never-set.example.test')).rejects.toMatchObject({ code: 'ENOTFOUND' });
      expect(server.queries.map((q) => q.name)).toContain('blocked.example.test');
    } finally {
      await server.close();
    }
  });
});
