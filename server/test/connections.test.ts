/**
 * Connections: caps in total and per client address, and how long a slow client keeps its socket.
 * Each loopback address (127.0.0.0/8 is all local) is a separate client to the service.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsServer } from '../../test/lab/dns-server';
import { CONTROL_TIME_BUDGET_HEADER, CONTROL_TRANSIT_MS, MIN_CONTROL_BUDGET_MS } from '../../engine/control-protocol';
import { proxyMatcher } from '../src/connections';
import { measurementBudgetMs } from '../src/routes/control';
import { hold, request, type HeldSocket } from './support/raw-http';
import { startService, type RunningService } from './support/service';
import { startSilentTarget, type Target } from './support/targets';

let dns: DnsServer;
let silent: Target;
const cleanup: Array<{ close(): Promise<void> }> = [];
const sockets: HeldSocket[] = [];

async function service(config: Parameters<typeof startService>[0]): Promise<RunningService> {
  const s = await startService({ dnsServers: [`127.0.0.1:${dns.port}`], ...config });
  cleanup.push(s);
  return s;
}

async function holdMany(url: string, count: number, localAddress: string): Promise<HeldSocket[]> {
  const held: HeldSocket[] = [];
  // One at a time: a burst would overflow the listen backlog and blur which socket was refused.
  for (let i = 0; i < count; i++) held.push(await hold(url, localAddress));
  sockets.push(...held);
  return held;
}

const stillOpen = (held: HeldSocket[]) => held.filter((h) => h.closedAfterMs === undefined).length;
const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  dns = await startDnsServer({ host: '127.0.0.1', port: 0 });
  silent = await startSilentTarget();
  cleanup.push(silent);
});

afterAll(async () => {
  for (const h of sockets) h.socket.destroy();
  await Promise.all(cleanup.map((c) => c.close()));
  await dns?.close();
});

describe('connection caps', () => {
  it('closes the sockets of one client address beyond DETOUR_MAX_CONNECTIONS_PER_CLIENT; other clients are served', async () => {
    const svc = await service({ maxConnectionsPerClient: 4 });
    const held = await holdMany(svc.url, 10, '127.0.0.1');
    await settle();
    expect(stillOpen(held)).toBe(4);
    expect(held.slice(0, 4).every((h) => h.closedAfterMs === undefined)).toBe(true);

    const health = await request(svc.url, { path: '/health', localAddress: '127.0.0.2' });
    expect(health.status).toBe(200);
    expect(health.json.counters.rejected_connections).toBe(6);
    // The capped client itself gets nothing more...
    await expect(request(svc.url, { path: '/health', localAddress: '127.0.0.1', timeoutMs: 2_000 })).rejects.toThrow();
    // ...until it closes one of its own sockets.
    held[0]!.socket.destroy();
    await held[0]!.closed;
    await settle(100); // the service sees the close a moment after the client
    expect((await request(svc.url, { path: '/health', localAddress: '127.0.0.1' })).status).toBe(200);
  });

  it('closes sockets beyond DETOUR_MAX_CONNECTIONS in total, and serves again once some close', async () => {
    const svc = await service({ maxConnections: 6, maxConnectionsPerClient: 100 });
    const first = await holdMany(svc.url, 3, '127.0.0.3');
    const second = await holdMany(svc.url, 3, '127.0.0.4');
    const extra = await holdMany(svc.url, 3, '127.0.0.5');
    await settle();
    expect(stillOpen(first) + stillOpen(second)).toBe(6);
    expect(stillOpen(extra)).toBe(0);
    await expect(request(svc.url, { path: '/health', localAddress: '127.0.0.6', timeoutMs: 2_000 })).rejects.toThrow();

    for (const h of first) h.socket.destroy();
    await Promise.all(first.map((h) => h.closed));
    await settle(100); // the service sees the closes a moment after the client
    expect((await request(svc.url, { path: '/health', localAddress: '127.0.0.6' })).status).toBe(200);
  });

  it('exempts trusted proxies from the per-client cap: their connections carry many clients', async () => {
    const svc = await service({ maxConnectionsPerClient: 2, trustProxy: ['127.0.0.7'] });
    const proxy = await holdMany(svc.url, 5, '127.0.0.7');
    const client = await holdMany(svc.url, 5, '127.0.0.8');
    await settle();
    expect(stillOpen(proxy)).toBe(5);
    expect(stillOpen(client)).toBe(2);
  });

  it('proxyMatcher: addresses, CIDRs and proxy-addr names, IPv4-mapped peers as IPv4', () => {
    const match = proxyMatcher(['10.0.0.0/8', '2001:db8::1', 'loopback']);
    expect(match('10.1.2.3')).toBe(true);
    expect(match('::ffff:10.1.2.3')).toBe(true);
    expect(match('11.0.0.1')).toBe(false);
    expect(match('2001:db8::1')).toBe(true);
    expect(match('2001:db8::2')).toBe(false);
    expect(match('127.0.0.5')).toBe(true);
    expect(match('::1')).toBe(true);
    expect(match(undefined)).toBe(false);
    expect(proxyMatcher(true)('192.0.2.1')).toBe(true);
    expect(proxyMatcher(false)('127.0.0.1')).toBe(false);
  });
});

describe('slow clients', () => {
  it('cuts a silent socket, trickled headers, a trickled body and an idle keep-alive at DETOUR_CLIENT_TIMEOUT_MS (default 10 s)', async () => {
    const svc = await service({});
    expect(svc.app.server.requestTimeout).toBe(10_000);
    const giveUpMs = 15_000;
    const trickle = (h: HeldSocket, text: string) => {
      let i = 0;
      h.socket.write(text[i++]!);
      const timer = setInterval(() => {
        if (h.socket.destroyed || i >= text.length) clearInterval(timer);
        else h.socket.write(text[i++]!);
      }, 1_000);
      h.socket.once('close', () => clearInterval(timer));
    };

    const [silentClient, slowHeaders, slowBody, keepAlive] = await Promise.all([
      hold(svc.url, '127.0.0.1', giveUpMs),
      hold(svc.url, '127.0.0.1', giveUpMs),
      hold(svc.url, '127.0.0.1', giveUpMs),
      hold(svc.url, '127.0.0.1', giveUpMs),
    ]);
    sockets.push(silentClient, slowHeaders, slowBody, keepAlive);
    trickle(slowHeaders, `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Padding: ${'a'.repeat(100)}`);
    slowBody.socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n');
    trickle(slowBody, ' '.repeat(100));
    // Served at once, then silent on a kept-alive connection.
    keepAlive.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');

    const [silentMs, headersMs, bodyMs, keepAliveMs] = await Promise.all([silentClient.closed, slowHeaders.closed, slowBody.closed, keepAlive.closed]);
    console.log(
      `cut after: silent ${(silentMs / 1000).toFixed(2)} s, slow headers ${(headersMs / 1000).toFixed(2)} s, ` +
        `slow body ${(bodyMs / 1000).toFixed(2)} s, idle keep-alive ${(keepAliveMs / 1000).toFixed(2)} s`,
    );
    expect(keepAlive.received()).toMatch(/^HTTP\/1\.1 200/);
    for (const ms of [silentMs, headersMs, bodyMs, keepAliveMs]) {
      expect(ms).toBeGreaterThanOrEqual(9_500);
      expect(ms).toBeLessThanOrEqual(11_500);
    }
  }, 30_000);

  it('never cuts a client that is waiting for its measurement, however short the client timeout', async () => {
    const svc = await service({ clientTimeoutMs: 500, stepTimeoutMs: 2_000, measurementTimeoutMs: 3_000 });
    const started = Date.now();
    // The silent target accepts and never answers: the fetch waits out its 2 s step timeout while
    // the client's own socket is silent, four times the client timeout.
    const res = await svc.post({ http_request: `http://127.0.0.1:${silent.port}/`, tcp_connect: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(res.status).toBe(200);
    expect(res.json.http_request.failure).toBe('generic_timeout_error');
  });

  it('answers within the time the client says it has left, not its own longer timeouts', async () => {
    const svc = await service({ stepTimeoutMs: 2_000, measurementTimeoutMs: 3_000 });
    const body = { http_request: `http://127.0.0.1:${silent.port}/`, tcp_connect: [] };
    const started = Date.now();
    const res = await svc.post(body, { [CONTROL_TIME_BUDGET_HEADER]: '1000' });
    const ms = Date.now() - started;
    console.log(`control answer with a 1000 ms budget against a silent server: ${ms} ms`);
    expect(res.status).toBe(200);
    expect(res.json.http_request.failure).toBe('generic_timeout_error');
    expect(ms).toBeLessThan(1_000);
    expect(ms).toBeGreaterThanOrEqual(1_000 - CONTROL_TRANSIT_MS - 100);
  });

  it('takes the header only as a shorter limit, and ignores one that is not a number', () => {
    const config = { measurementTimeoutMs: 3_000 };
    expect(measurementBudgetMs('1000', config)).toBe(1_000 - CONTROL_TRANSIT_MS);
    expect(measurementBudgetMs('60000', config)).toBe(3_000);
    expect(measurementBudgetMs('0', config)).toBe(MIN_CONTROL_BUDGET_MS);
    for (const junk of [undefined, '', '-5', '1e9', '1000ms', ['1000', '2000'], '9'.repeat(20)]) expect(measurementBudgetMs(junk, config)).toBe(3_000);
  });
});
