/**
 * The probe run's assembly of Observations. DNS-over-HTTPS goes to the lab's real DoH server on
 * loopback; everything else goes through a scripted fetch that plays the network and, like the
 * browser, reports its own requests through webRequest (OwnRequests.observe).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '../../lib/settings';
import { OwnRequests, probeId } from '../../lib/probes/own-requests';
import { assembleObservations } from '../../lib/probes/assemble-observations';
import { runProbes, type ProbeEnvironment, type ProbeRequest } from '../../lib/probes/run-probes';

/** Measure, then assemble, as the scheduler does. */
const probe = async (request: ProbeRequest, env: ProbeEnvironment) => assembleObservations(await runProbes(request, env), request.failure);
import { startDnsServer, type DnsServer } from '../lab/dns-server';
import { startDohServer, type DohServer } from '../lab/doh-server';

let zone: DnsServer;
let doh: DohServer;

beforeAll(async () => {
  zone = await startDnsServer();
  zone.set('mail.example.org', { addrs: ['45.90.28.10'] });
  doh = await startDohServer({ host: '127.0.0.1', zone });
});
afterAll(async () => {
  await doh.close();
  await zone.close();
});

type Script = (url: URL, init: RequestInit | undefined, own: OwnRequests) => Promise<Response>;

function environment(script: Script, overrides: Partial<Settings> = {}): ProbeEnvironment & { own: OwnRequests } {
  const own = new OwnRequests();
  const settings: Settings = {
    ...DEFAULT_SETTINGS,
    dohResolvers: [doh.url],
    canaries: [{ url: 'http://canary.example.net/', expect: '' }],
    controlUrl: '',
    ...overrides,
  };
  return {
    own,
    settings,
    siblings: [],
    online: () => true,
    now: Date.now,
    fetch: async (input, init) => {
      const url = new URL(input);
      if (url.origin === new URL(doh.url).origin) return fetch(input, init);
      return script(url, init, own);
    },
  };
}

/** A network that never answers, but lets the caller's deadline cut it, as fetch does. */
function hang(init: RequestInit | undefined): Promise<Response> {
  return new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(new TypeError('aborted'))));
}

describe('runProbes', () => {
  it('collects DNS, TCP, TLS and HTTP observations for an SNI-filtered site', async () => {
    const env = environment(async (url, init, own) => {
      if (url.hostname === 'mail.example.org' && url.protocol === 'https:') {
        // The browser reports its own request's exact error, as webRequest does.
        own.observe({ url: url.toString(), error: 'net::ERR_CONNECTION_RESET', ip: '45.90.28.10' });
        throw new TypeError('Failed to fetch');
      }
      if (url.hostname === 'mail.example.org') {
        expect(probeId(url.toString())).toBeDefined();
        return new Response('', { status: 301, headers: { location: 'https://mail.example.org/' } });
      }
      if (url.toString() === 'http://45.90.28.10/') return new Response('<title>x</title>');
      if (url.toString() === 'https://45.90.28.10/') throw new TypeError('Failed to fetch');
      if (url.hostname === 'canary.example.net') {
        expect(init?.mode).toBe('no-cors');
        return new Response('');
      }
      throw new Error(`unexpected ${url}`);
    });
    const observations = await probe(
      { url: 'https://mail.example.org/inbox', host: 'mail.example.org', failure: { class: 'reset', error: 'net::ERR_CONNECTION_RESET' }, startedAt: Date.now() },
      env,
    );
    expect(observations.dns).toEqual([
      { kind: 'system', resolver: 'system', addrs: ['45.90.28.10'] },
      { kind: 'doh', resolver: doh.url, addrs: ['45.90.28.10'] },
    ]);
    expect(observations.tls).toEqual([{ serverName: 'mail.example.org', ip: '45.90.28.10', ok: false, failure: 'reset' }]);
    expect(observations.tcp).toEqual([expect.objectContaining({ ip: '45.90.28.10', port: 80, ok: true })]);
    const [retry, plain, byIp] = observations.http!;
    expect(retry).toMatchObject({ url: 'https://mail.example.org/inbox', ok: false, failure: 'reset' });
    expect(plain).toMatchObject({ url: 'http://mail.example.org/', ok: true, status: 301, location: 'https://mail.example.org/' });
    expect(byIp).toMatchObject({ url: 'http://45.90.28.10/', ok: true });
    expect(observations.canaries).toEqual([expect.objectContaining({ url: 'http://canary.example.net/', ok: true })]);
    expect(observations.controlFailure).toBe('not-configured');
    expect(observations.failure).toEqual({ class: 'reset', error: 'net::ERR_CONNECTION_RESET' });
  });

  it('says NXDOMAIN for the system resolver when the browser could not resolve, and probes no bogon', async () => {
    zone.set('sinkholed.example.org', { addrs: ['10.10.34.35'] });
    const asked: string[] = [];
    const env = environment(async (url, _init, own) => {
      asked.push(url.host);
      if (url.hostname.endsWith('example.org')) {
        own.observe({ url: url.toString(), error: 'net::ERR_NAME_NOT_RESOLVED' });
        throw new TypeError('Failed to fetch');
      }
      return new Response('');
    });
    const observations = await probe(
      { url: 'https://sinkholed.example.org/', host: 'sinkholed.example.org', failure: { class: 'dns' }, startedAt: Date.now() },
      env,
    );
    expect(observations.dns![0]).toEqual({ kind: 'system', resolver: 'system', addrs: [], failure: 'nxdomain' });
    expect(observations.dns![1]).toMatchObject({ kind: 'doh', addrs: ['10.10.34.35'] });
    expect(asked).not.toContain('10.10.34.35');
  });

  it('answers within the budget even when every probe hangs, and says so', async () => {
    const env = environment(async (_url, init) => hang(init), { probeBudgetMs: 1000, dohResolvers: ['http://192.0.2.1/dns-query'] });
    const hangingEnv = { ...env, fetch: (_input: string, init?: RequestInit) => hang(init) };
    const started = Date.now();
    const observations = await probe({ url: 'https://mail.example.org/', host: 'mail.example.org', failure: { class: 'stalled' }, startedAt: started - 500 }, hangingEnv);
    const elapsed = Date.now() - started;
    // Budget counted from the navigation's start, but never less than the minimum probe time.
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(2500);
    expect(observations.http![0]).toMatchObject({ ok: false, failure: 'timeout' });
    expect(observations.dns).toEqual([{ kind: 'doh', resolver: 'http://192.0.2.1/dns-query', addrs: [], failure: 'timeout' }]);
    expect(observations.canaries![0]).toMatchObject({ ok: false, failure: 'timeout' });
  });

  it('flags a canary whose known answer is rewritten (captive portal), and a control that answers garbage', async () => {
    const env = environment(
      async (url, init) => {
        // The portal answers everything: reachable (no-cors follows its redirect), but not the canary.
        if (url.hostname === 'canary.example.net') {
          return init?.mode === 'no-cors' ? new Response('<h1>Log in</h1>') : Response.redirect('http://portal.example/login', 302);
        }
        if (url.hostname === 'control.example') return new Response('{"hello": "world"}', { headers: { 'content-type': 'application/json' } });
        throw new TypeError('Failed to fetch');
      },
      { controlUrl: 'http://control.example/', canaries: [{ url: 'http://canary.example.net/', expect: 'success' }] },
    );
    const observations = await probe({ url: 'https://mail.example.org/', host: 'mail.example.org', startedAt: Date.now() }, env);
    expect(observations.canaries![0]).toMatchObject({ ok: true, captive: true });
    expect(observations.controlFailure).toBe('bad-response');
  });

  it('reads a canary without CORS headers only with host access: without it, a refused read proves nothing', async () => {
    // A public canary (Firefox's detectportal) sends no CORS headers: a cors read fails outright.
    const script: Script = async (url, init) => {
      if (url.hostname === 'canary.example.net') {
        if (init?.mode === 'cors') throw new TypeError('Failed to fetch');
        return new Response('success');
      }
      throw new TypeError('Failed to fetch');
    };
    const canaries = [{ url: 'http://canary.example.net/', expect: 'success' }];
    const without = await probe({ url: 'https://mail.example.org/', host: 'mail.example.org', startedAt: Date.now() }, environment(script, { canaries }));
    expect(without.canaries![0]).toEqual(expect.objectContaining({ ok: true }));
    expect(without.canaries![0]!.captive).toBeUndefined();
    // With host access the browser lifts CORS, so a failed read is the network's doing.
    const granted = { ...environment(script, { canaries }), canaryAccess: async () => true };
    const withAccess = await probe({ url: 'https://mail.example.org/', host: 'mail.example.org', startedAt: Date.now() }, granted);
    expect(withAccess.canaries![0]).toMatchObject({ ok: true, captive: true });
  });

  it("loads up to six of the provider's other names, so that each mirror offered was tried", async () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((n) => `${n}.example-mail.net`);
    const env = { ...environment(async (url, _init, own) => {
      own.observe({ url: url.toString(), ip: '45.90.28.10', statusCode: 200 });
      return url.hostname === 'b.example-mail.net' ? Promise.reject(new TypeError('Failed to fetch')) : new Response('');
    }), siblings: names };
    const observations = await probe(
      { url: 'https://mail.example.org/', host: 'mail.example.org', failure: { class: 'reset', error: 'net::ERR_CONNECTION_RESET' }, startedAt: Date.now() },
      env,
    );
    expect(observations.siblings?.map((s) => [s.host, s.ok])).toEqual(names.slice(0, 6).map((h) => [h, h !== 'b.example-mail.net']));
  });

  it("keeps the address of a sibling that answered even when the browser reports it late", async () => {
    // A fresh Firefox on a busy machine: the webRequest report with the address comes 400 ms after
    // the fetch settled; without it nothing shows the sibling shares the failing name's address.
    const env = { ...environment(async (url, _init, own) => {
      if (url.hostname === 'kb.example.org') {
        setTimeout(() => own.observe({ url: url.toString(), ip: '45.90.28.10', statusCode: 200 }), 400);
        return new Response('<title>kb</title>');
      }
      return Promise.reject(new TypeError('Failed to fetch'));
    }), siblings: ['kb.example.org'] };
    const observations = await probe(
      { url: 'https://mail.example.org/', host: 'mail.example.org', failure: { class: 'reset', error: 'net::ERR_CONNECTION_RESET' }, startedAt: Date.now() },
      env,
    );
    expect(observations.siblings).toEqual([expect.objectContaining({ host: 'kb.example.org', ok: true, ip: '45.90.28.10' })]);
  });

  it('times a page retry that trickles: the bytes that arrived by the deadline, how long, and that it was cut', async () => {
    /** 500 bytes every 100 ms until the caller's deadline errors the body, as an aborted fetch does. */
    const trickle = (init: RequestInit | undefined) => {
      let timer: ReturnType<typeof setInterval> | undefined;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          timer = setInterval(() => controller.enqueue(new Uint8Array(500).fill(97)), 100);
          init?.signal?.addEventListener('abort', () => {
            clearInterval(timer);
            controller.error(new DOMException('aborted', 'AbortError'));
          });
        },
        cancel: () => clearInterval(timer),
      });
      return new Response(body, { status: 200, headers: { 'content-type': 'text/html' } });
    };
    const env = environment(async (url, init) => {
      if (url.hostname === 'mail.example.org') return trickle(init);
      if (url.hostname === '45.90.28.10') return new Response('');
      return new Response('');
    }, { probeBudgetMs: 1500 });
    const observations = await probe(
      { url: 'https://mail.example.org/', host: 'mail.example.org', failure: { class: 'slow', error: 'slow' }, startedAt: Date.now() },
      env,
    );
    const retry = observations.http![0]!;
    expect(retry).toMatchObject({ url: 'https://mail.example.org/', ok: true, status: 200, bodyEnd: 'cut' });
    expect(retry.bodyMs).toBeGreaterThanOrEqual(1000);
    // About 5 KB/s: never more than the body cap is held, and the rate is there to read.
    expect(retry.bodyLength).toBeGreaterThan(2000);
    expect((retry.bodyLength! * 1000) / retry.bodyMs!).toBeLessThan(8000);
  });

  it('sends nothing when the browser knows it is offline', async () => {
    const env = environment(async (url) => {
      throw new Error(`nothing may be fetched offline: ${url}`);
    });
    const observations = await probe(
      { url: 'https://mail.example.org/', host: 'mail.example.org', failure: { class: 'network-down', error: 'net::ERR_INTERNET_DISCONNECTED' }, startedAt: Date.now() },
      { ...env, online: () => false },
    );
    expect(observations).toMatchObject({ offline: true, failure: { class: 'network-down' } });
    expect(observations.dns).toBeUndefined();
  });
});
