/**
 * The service's HTTP surface around measurements: health and metrics, CORS for the extension,
 * rate limiting, back-pressure when every slot is taken, cancellation when the client leaves, and
 * a log that never holds a client address or a requested URL.
 */
import net from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsServer } from '../../test/lab/dns-server';
import { startService, type RunningService } from './support/service';
import { closedPort, startSilentTarget, type Target } from './support/targets';

let dns: DnsServer;
let silent: Target;
let refusedPort: number;
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

describe('CORS', () => {
  it('answers the preflight a JSON POST from an extension triggers', async () => {
    const svc = await service({});
    for (const path of ['/', '/api/v1/control']) {
      const res = await fetch(svc.url + path, {
        method: 'OPTIONS',
        headers: {
          origin: 'chrome-extension://abcdefghijklmnop',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-methods')).toContain('POST');
      expect(res.headers.get('access-control-allow-headers')).toContain('content-type');
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('lets any origin read the answer of POST / and of the /api/v1/control alias', async () => {
    const svc = await service({});
    for (const path of ['/', '/api/v1/control']) {
      const res = await svc.post({ http_request: `http://127.0.0.1:${refusedPort}/`, tcp_connect: [] }, { origin: 'moz-extension://x' }, path);
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.json.http_request.failure).toBe('connection_refused');
    }
  });
});

describe('limits', () => {
  it('rate-limits per client with a JSON 429 the extension can read', async () => {
    const svc = await service({ rateLimitMax: 2, rateLimitWindowMs: 60_000 });
    const body = { http_request: `http://127.0.0.1:${refusedPort}/`, tcp_connect: [] };
    expect((await svc.post(body)).status).toBe(200);
    expect((await svc.post(body)).status).toBe(200);
    const limited = await svc.post(body);
    expect(limited.status).toBe(429);
    expect(limited.json).toMatchObject({ error: 'rate_limited' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('access-control-allow-origin')).toBe('*');
    expect(svc.counters.rejected_rate_limited).toBe(1);
    expect((await fetch(`${svc.url}/health`)).status).toBe(200);
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
    const svc = await service({ logLevel: 'debug', rateLimitMax: 3 }, { logStream });
    await svc.measure({ http_request: `http://secret-mailbox.test:${refusedPort}/inbox?user=alice`, tcp_connect: [] });
    await svc.post('{"http_request": "http://secret-mailbox.test/', {});
    await svc.post({ http_request: 'ftp://secret-mailbox.test/' });
    await svc.post({ http_request: 'http://secret-mailbox.test:1/' });
    await fetch(`${svc.url}/does-not-exist?secret-mailbox`);
    expect(svc.counters.rejected_rate_limited).toBe(1);
    const log = lines.join('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(log).not.toMatch(/secret-mailbox|alice|inbox/);
    expect(log).not.toMatch(/remoteAddress|remotePort|"url"|"req"/);
    // The only address in the log is the service's own, in Fastify's "listening" line.
    expect(lines.filter((l) => l.includes('127.0.0.1')).every((l) => l.includes('Server listening'))).toBe(true);
  });
});
