/**
 * Garbage in: every malformed request gets a clear 4xx with a JSON `{ error, message }`, nothing in
 * the answer echoes what was sent, nothing is dialled, and the service keeps answering afterwards.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialer } from '../src/safe-connect';
import { startService, type RunningService } from './support/service';
import { page, startHttpTarget, type Target } from './support/targets';

let svc: RunningService;
let site: Target;
const dialled: string[] = [];
const dial: Dialer = (target) => {
  dialled.push(`${target.host}:${target.port}`);
  return net.connect(target);
};

beforeAll(async () => {
  // Default ports (80 and 443) so the port rule is tested too; loopback allowed for the sanity check.
  svc = await startService({ allowedPorts: [80, 443], maxEndpoints: 32, requestBodyLimit: 32 * 1024 }, { dial });
  site = await startHttpTarget((_req, res) => res.end(page('Still here').body));
});

afterAll(async () => {
  await svc?.close();
  await site?.close();
});

const MARKER = 'leak-marker-7f3a';

const cases: Array<[string, string | unknown, number, string, Record<string, string>?]> = [
  ['malformed JSON', `{"http_request": "https://${MARKER}.test/",`, 400, 'invalid_json'],
  ['an empty body', '', 400, 'invalid_json'],
  ['a JSON array', [], 400, 'invalid_request'],
  ['JSON null', 'null', 400, 'invalid_request'],
  ['a prototype-pollution key', `{"__proto__": {"x": 1}, "http_request": "https://${MARKER}.test/"}`, 400, 'invalid_json'],
  ['a missing http_request', { tcp_connect: [] }, 400, 'invalid_request'],
  ['http_request of the wrong type', { http_request: 42 }, 400, 'invalid_request'],
  ['tcp_connect of the wrong type', { http_request: 'https://a.test/', tcp_connect: '1.2.3.4:443' }, 400, 'invalid_request'],
  ['headers that are not lists', { http_request: 'https://a.test/', http_request_headers: { 'User-Agent': 'x' } }, 400, 'invalid_request'],
  ['an http_request that is not a URL', { http_request: `${MARKER} not a url` }, 400, 'invalid_url'],
  ['an overlong URL', { http_request: `https://a.test/${'a'.repeat(5000)}` }, 400, 'invalid_request'],
  ['a file: URL', { http_request: 'file:///etc/passwd' }, 400, 'unsupported_scheme'],
  ['an ftp: URL', { http_request: `ftp://${MARKER}.test/` }, 400, 'unsupported_scheme'],
  ['a javascript: URL', { http_request: 'javascript:alert(1)' }, 400, 'unsupported_scheme'],
  ['a gopher: URL', { http_request: 'gopher://a.test:70/' }, 400, 'unsupported_scheme'],
  ['a port other than 80 and 443', { http_request: 'https://a.test:25/' }, 400, 'port_not_allowed'],
  ['an endpoint without a port', { http_request: 'https://a.test/', tcp_connect: ['1.2.3.4'] }, 400, 'invalid_endpoint'],
  ['an endpoint with a host name', { http_request: 'https://a.test/', tcp_connect: [`${MARKER}.test:443`] }, 400, 'invalid_endpoint'],
  ['an endpoint with a bad port', { http_request: 'https://a.test/', tcp_connect: ['[::1]:99999'] }, 400, 'invalid_endpoint'],
  [
    'thousands of endpoints',
    { http_request: 'https://a.test/', tcp_connect: Array.from({ length: 3000 }, (_, i) => `198.51.${i >> 8}.${i & 255}:443`) },
    413,
    'body_too_large',
  ],
  [
    'more endpoints than the limit',
    { http_request: 'https://a.test/', tcp_connect: Array.from({ length: 33 }, (_, i) => `198.51.100.${i}:443`) },
    400,
    'invalid_request',
  ],
  ['a body over the size limit', { http_request: 'https://a.test/', padding: 'x'.repeat(64 * 1024) }, 413, 'body_too_large'],
  ['a non-JSON content type', 'http_request=https://a.test/', 415, 'unsupported_media_type', { 'content-type': 'application/x-www-form-urlencoded' }],
];

describe('garbage in', () => {
  it.each(cases)('%s: %i %s', async (_name, body, status, error, headers) => {
    // From the extension's background: even refusals must be readable by it.
    const origin = 'chrome-extension://abcdefghijklmnop';
    const res = await svc.post(body, { origin, ...headers });
    expect(res.status).toBe(status);
    expect(res.json).toMatchObject({ error });
    expect(typeof res.json.message).toBe('string');
    expect(JSON.stringify(res.json)).not.toContain(MARKER);
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    expect(dialled).toEqual([]);
  });

  it('still answers health and measurements afterwards, and counted the refusals', async () => {
    const health = await fetch(`${svc.url}/health`);
    expect(health.status).toBe(200);
    expect(svc.counters.rejected_invalid).toBe(cases.length);
    expect(svc.counters.internal_errors).toBe(0);
    // The port rule applies to the URL; the endpoint list and a real measurement still work.
    const res = await svc.post({ http_request: 'http://127.0.0.1/', tcp_connect: [`127.0.0.1:${site.port}`] });
    expect(res.status).toBe(200);
    expect(res.json.tcp_connect[`127.0.0.1:${site.port}`]).toEqual({ status: false, failure: 'port_not_allowed' });
  });

  it('answers unknown paths and methods with JSON 404s', async () => {
    const res = await fetch(`${svc.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
    const get = await fetch(`${svc.url}/`);
    expect(get.status).toBe(404);
  });

  it('survives a client that sends half a request and hangs up', async () => {
    const { port } = new URL(svc.url);
    await new Promise<void>((resolve) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"http_request":');
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
    });
    const res = await fetch(`${svc.url}/health`);
    expect(res.status).toBe(200);
  });
});
