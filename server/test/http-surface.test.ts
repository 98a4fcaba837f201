/**
 * The service's HTTP surface around measurements: health and metrics, CORS for the extension and
 * refusal of web pages, rate limiting, back-pressure when every slot is taken, cancellation when the
 * client leaves, and a log that never holds a client address or a requested URL.
 */
import net from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsServer } from '../../test/lab/dns-server';
import { clientKey, RateLimiter } from '../src/rate-limit';
import { request } from './support/raw-http';
import { startService, type RunningService } from './support/service';
import { closedPort, startHttpTarget, startSilentTarget, type Target } from './support/targets';

let dns: DnsServer;
let silent: Target;
let refusedPort: number;
let site: Target;
const cleanup: Array<{ close(): Promise<void> }> = [];

async function service(...args: Parameters<typeof startService>): Promise<RunningService> {
  const s = await startService({ dnsServers: [`127.0.0.1:${dns.port}`], ...args[0] }, args[1]);
  cleanup.push(s);
  return s;
}

async function until(check: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  dns = await startDnsServer({ host: '127.0.0.1', port: 0 });
  dns.set('secret-mailbox.test', { addrs: ['127.0.0.1'] });
  silent = await startSilentTarget();
  cleanup.push(silent);
  refusedPort = await closedPort();
  site = await startHttpTarget((_req, res) => res.end('<title>hello</title>'));
  cleanup.push(site);
});

afterAll(async () => {
  await Promise.all(cleanup.map((c) => c.close()));
  await dns?.close();
});

describe('health and metrics', () => {
  it('GET /health: ok, version, uptime, counters', async () => {
    const svc = await service({});
    await svc.measure({ http_request: `http://127.0.0.1:${refusedPort}/`, tcp_connect: [] });
    const res = await fetch(`${svc.url}/health`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ ok: true, version: expect.stringMatching(/^\d+\.\d+\.\d+/), uptime_s: expect.any(Number) });
    expect(body.counters).toMatchObject({ requests: 1, measurements_started: 1, measurements_completed: 1, http_failures: 1, in_flight: 0, queued: 0 });
    const metrics = await (await fetch(`${svc.url}/metrics`)).json();
    expect(metrics).toMatchObject({ requests: 1, measurements_completed: 1 });
  });
});

describe('CORS: extensions may call the service, web pages may not', () => {
  const WEB_ORIGINS = ['https://evil.example', 'http://evil.example:8080', 'null'];
  const preflight = (url: string, origin: string) =>
    fetch(url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });

  it('answers the preflight of an extension origin, echoing that origin', async () => {
    const svc = await service({});
    for (const origin of ['chrome-extension://abcdefghijklmnopabcdefghijklmnop', 'moz-extension://0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', 'safari-web-extension://ABCD-1234']) {
      for (const path of ['/', '/api/v1/control']) {
        const res = await preflight(svc.url + path, origin);
        expect(res.status).toBe(204);
        expect(res.headers.get('access-control-allow-origin')).toBe(origin);
        expect(res.headers.get('vary')).toMatch(/origin/i);
        expect(res.headers.get('access-control-allow-methods')).toContain('POST');
        expect(res.headers.get('access-control-allow-headers')).toContain('content-type');
        // The extension sends its time budget (engine/control-protocol.ts); a preflight that left it out fails every control.
        expect(res.headers.get('access-control-allow-headers')).toContain('detour-time-budget-ms');
        expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      }
    }
  });

  it('lets an extension origin read the answer of POST / and of the /api/v1/control alias', async () => {
    const svc = await service({});
    for (const path of ['/', '/api/v1/control']) {
      const res = await svc.post({ http_request: `http://127.0.0.1:${refusedPort}/`, tcp_connect: [] }, { origin: 'moz-extension://x' }, path);
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('moz-extension://x');
      expect(res.headers.get('vary')).toMatch(/origin/i);
      expect(res.json.http_request.failure).toBe('connection_refused');
    }
  });

  it('serves requests without an Origin (OONI probes, curl) as before, with no CORS header', async () => {
    const svc = await service({});
    const res = await svc.post({ http_request: `http://127.0.0.1:${refusedPort}/`, tcp_connect: [] });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses the preflight of a web page: 403 and no Access-Control-Allow-Origin', async () => {
    const svc = await service({});
    for (const origin of WEB_ORIGINS) {
      const res = await preflight(svc.url + '/', origin);
      expect(res.status, origin).toBe(403);
      expect(res.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
  });

  it('refuses a POST from a web page with 403 origin_not_allowed before any measurement or rate-limit accounting', async () => {
    const svc = await service({ rateLimitMax: 1 });
    const body = { http_request: `http://127.0.0.1:${site.port}/`, tcp_connect: [`127.0.0.1:${site.port}`] };
    for (const origin of WEB_ORIGINS) {
      for (const path of ['/', '/api/v1/control']) {
        const res = await svc.post(body, { origin }, path);
        expect(res.status, origin).toBe(403);
        expect(res.json).toEqual({ error: 'origin_not_allowed', message: expect.any(String) });
        expect(res.headers.get('access-control-allow-origin')).toBeNull();
      }
    }
    // Not even a pretend extension origin, nor two Origins at once (Node joins them with ", ").
    for (const origin of ['chrome-extension://', 'chrome-extension://abc/path', 'https://chrome-extension.evil.example']) {
      expect((await svc.post(body, { origin })).status, origin).toBe(403);
    }
    const twoOrigins = await request(svc.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ['moz-extension://x', 'https://evil.example'] as unknown as string },
      body: JSON.stringify(body),
    });
    expect(twoOrigins.status).toBe(403);

    expect(site.connections).toBe(0);
    expect(svc.counters).toMatchObject({ requests: 0, measurements_started: 0, rejected_rate_limited: 0, rejected_origin: WEB_ORIGINS.length * 2 + 4 });
    // The refusals cost no budget: the client's one request this window is still available.
    const res = await svc.post(body);
    expect(res.status).toBe(200);
    expect(res.json.http_request.status_code).toBe(200);
  });
});

describe('limits', () => {
  it('rate-limits each client with one bucket across / and /api/v1/control, with a JSON 429 the extension can read', async () => {
    const svc = await service({ rateLimitMax: 4, rateLimitWindowMs: 60_000 });
    const body = { http_request: `http://127.0.0.1:${refusedPort}/`, tcp_connect: [] };
    const origin = { origin: 'chrome-extension://abcdefghijklmnop' };
    // Alternating: each path alone stays under the limit, together they are over it.
    for (const path of ['/', '/api/v1/control', '/', '/api/v1/control']) expect((await svc.post(body, origin, path)).status).toBe(200);
    const limited = await svc.post(body, origin, '/');
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({ error: 'rate_limited', message: expect.any(String) });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('access-control-allow-origin')).toBe(origin.origin);
    expect((await svc.post(body, origin, '/api/v1/control')).status).toBe(429);
    // /health and /metrics draw on the same bucket.
    expect((await fetch(`${svc.url}/health`)).status).toBe(429);
    expect((await fetch(`${svc.url}/metrics`)).status).toBe(429);
    expect(svc.counters).toMatchObject({ measurements_started: 4, rejected_rate_limited: 4 });
    // Another client address has its own bucket.
    expect((await request(svc.url, { path: '/health', localAddress: '127.0.0.2' })).status).toBe(200);
  });

  it('behind a trusted proxy, keys the rate limit on the forwarded client: IPv6 by /64, IPv4-mapped as IPv4', async () => {
    const svc = await service({ rateLimitMax: 1, trustProxy: true });
    const health = (forwardedFor: string) => fetch(`${svc.url}/health`, { headers: { 'x-forwarded-for': forwardedFor } }).then((r) => r.status);
    expect(await health('2001:db8:1:2::1')).toBe(200);
    expect(await health('2001:db8:1:2:ffff::9')).toBe(429);
    expect(await health('2001:db8:1:3::1')).toBe(200);
    expect(await health('192.0.2.1')).toBe(200);
    expect(await health('::ffff:192.0.2.1')).toBe(429);
    expect(await health('192.0.2.2')).toBe(200);
  });

  it('clientKey: one key per IPv4 address and per IPv6 /64', () => {
    expect(clientKey('2001:db8:1:2::1')).toBe(clientKey('2001:db8:1:2:ffff::9'));
    expect(clientKey('2001:db8:1:2::1')).toBe(clientKey('2001:0db8:0001:0002:0000:0000:0000:0001'));
    expect(clientKey('2001:db8:1:2::1')).not.toBe(clientKey('2001:db8:1:3::1'));
    expect(clientKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('::ffff:1.2.3.4')).toBe('1.2.3.4');
    expect(clientKey('::ffff:1.2.3.4')).toBe(clientKey('1.2.3.4'));
    expect(clientKey('1.2.3.4')).not.toBe(clientKey('1.2.3.5'));
    expect(clientKey('not an address')).toBe(clientKey(undefined));
  });

  it('RateLimiter: fixed windows, and a bounded table that sweeps expired windows and evicts the oldest', () => {
    let now = 0;
    const limiter = new RateLimiter(2, 1_000, 3, () => now);
    expect(limiter.hit('a')).toEqual({ allowed: true });
    expect(limiter.hit('a')).toEqual({ allowed: true });
    now = 400;
    expect(limiter.hit('a')).toEqual({ allowed: false, retryAfterMs: 600 });
    for (const key of ['b', 'c', 'd']) limiter.hit(key);
    expect(limiter.size).toBe(3);
    // 'a' was the oldest window and made room for 'd': it starts afresh.
    expect(limiter.hit('a')).toEqual({ allowed: true });
    expect(limiter.size).toBe(3);
    now = 10_000;
    limiter.hit('e');
    expect(limiter.size).toBe(1);
    for (let i = 0; i < 10_000; i++) limiter.hit(`client-${i}`);
    expect(limiter.size).toBe(3);
  });

  it('queues past the concurrency limit and answers 503 when the queue is full', async () => {
    const svc = await service({ maxConcurrent: 1, maxQueue: 1, stepTimeoutMs: 400, measurementTimeoutMs: 1_000 });
    const slow = { http_request: `https://127.0.0.1:${silent.port}/`, tcp_connect: [] };
    const first = svc.post(slow);
    await until(() => svc.gate.active === 1);
    const second = svc.post(slow);
    await until(() => svc.gate.queued === 1);
    const third = await svc.post(slow);
    expect(third.status).toBe(503);
    expect(third.json).toMatchObject({ error: 'busy' });
    expect(third.headers.get('retry-after')).toBe('1');
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect(svc.counters).toMatchObject({ rejected_busy: 1, measurements_completed: 2 });
  });

  it('cancels a measurement when its client goes away', async () => {
    const svc = await service({ stepTimeoutMs: 3_000, measurementTimeoutMs: 4_000 });
    const started = Date.now();
    // A raw socket, so the test controls exactly when the client's connection goes away.
    const { port } = new URL(svc.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.on('error', () => {});
    const body = JSON.stringify({ http_request: `https://127.0.0.1:${silent.port}/`, tcp_connect: [] });
    socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    await until(() => svc.gate.active === 1);
    socket.destroy();
    await until(() => svc.counters.measurements_interrupted === 1, 1_000);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(svc.gate.active).toBe(0);
  });
});

describe('privacy of the log', () => {
  it('logs no client address and no requested URL, even at debug level', async () => {
    const lines: string[] = [];
    const logStream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    // Every request counts against the limit: the last one is the 429.
    const svc = await service({ logLevel: 'debug', rateLimitMax: 4 }, { logStream });
    await svc.measure({ http_request: `http://secret-mailbox.test:${refusedPort}/inbox?user=alice`, tcp_connect: [] });
    await svc.post('{"http_request": "http://secret-mailbox.test/', {});
    await svc.post({ http_request: 'ftp://secret-mailbox.test/' });
    await fetch(`${svc.url}/does-not-exist?secret-mailbox`);
    await svc.post({ http_request: 'http://secret-mailbox.test:1/' }, { origin: 'https://secret-mailbox.test' });
    await svc.post({ http_request: 'http://secret-mailbox.test:1/' });
    expect(svc.counters.rejected_rate_limited).toBe(1);
    const log = lines.join('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(log).not.toMatch(/secret-mailbox|alice|inbox/);
    expect(log).not.toMatch(/remoteAddress|remotePort|"url"|"req"/);
    // The only address in the log is the service's own, in Fastify's "listening" line.
    expect(lines.filter((l) => l.includes('127.0.0.1')).every((l) => l.includes('Server listening'))).toBe(true);
  });
});
