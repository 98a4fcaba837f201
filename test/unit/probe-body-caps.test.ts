/**
 * Every body a probe reads has a cap: whatever answers in a resolver's, the control's or a canary's
 * place (the network Detour distrusts) cannot make it download or hold more. The fetch is scripted;
 * the "server" is a stream that keeps producing and counts what was pulled from it.
 */
import { describe, expect, it } from 'vitest';
import { encodeResponse, RR_TYPE } from '../../engine/dns-wire';
import { classify } from '../../engine/verdict';
import type { Observations } from '../../engine/types';
import { checkCanary } from '../../lib/probes/canaries';
import { askControl, MAX_CONTROL_BYTES } from '../../lib/probes/control';
import { MAX_DNS_MESSAGE_BYTES, queryDoh } from '../../lib/probes/doh';
import { readBodyBytes, readBodyPrefix, type Fetch } from '../../lib/probes/timed-fetch';

const CHUNK = 16 * 1024;
/** Far past every cap; only there so that code without a cap ends (and fails) instead of hanging. */
const PRODUCES_AT_MOST = 32 * 1024 * 1024;

/** What readers took of the bodies of one endlessBodies(): bytes pulled, streams cancelled. */
interface Seen {
  pulled: number;
  streams: number;
  cancelled: number;
}

/** Bodies that keep coming (a fresh stream per call, as every fetch has its own), counted together. */
function endlessBodies(prefix = '') {
  const seen: Seen = { pulled: 0, streams: 0, cancelled: 0 };
  const first = new TextEncoder().encode(prefix);
  const next = () => {
    let pulled = 0;
    seen.streams += 1;
    return new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          const chunk = pulled === 0 && first.length > 0 ? first : new Uint8Array(CHUNK).fill(0x61); // 'a'
          pulled += chunk.byteLength;
          seen.pulled += chunk.byteLength;
          controller.enqueue(chunk);
          if (pulled >= PRODUCES_AT_MOST) controller.close();
        },
        cancel() {
          seen.cancelled += 1;
        },
      },
      { highWaterMark: 0 },
    );
  };
  return { next, seen };
}

function answering(body: () => BodyInit, headers: Record<string, string> = {}): Fetch {
  return async () => new Response(body(), { status: 200, headers });
}

const never = new AbortController().signal;
const request = { http_request: 'https://mail.example.org/', http_request_headers: {}, tcp_connect: [] };

describe('reading a body', () => {
  it('stops one chunk past the limit and cancels the rest of the download', async () => {
    const { next, seen } = endlessBodies();
    const body = await readBodyBytes(new Response(next()), 100_000);
    expect(body.truncated).toBe(true);
    expect(body.bytes.byteLength).toBe(100_000);
    expect(seen.pulled).toBeLessThanOrEqual(100_000 + CHUNK);
    expect(seen.cancelled).toBe(1);
  });

  it('calls a body of exactly the limit whole, not truncated', async () => {
    const body = await readBodyPrefix(new Response('x'.repeat(4096)), 4096);
    expect(body).toMatchObject({ text: 'x'.repeat(4096), bytes: 4096, truncated: false, end: 'complete' });
    expect(await readBodyPrefix(new Response('x'.repeat(4097)), 4096)).toMatchObject({ truncated: true, end: 'cap' });
  });

  it('times a body that trickles, and keeps what arrived when the deadline cuts it', async () => {
    let sent = 0;
    // 100 bytes every 20 ms, until the fetch's deadline errors the stream (as an aborted fetch does).
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        setTimeout(() => controller.error(new DOMException('deadline', 'AbortError')), 250);
      },
      async pull(controller) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        try {
          controller.enqueue(new Uint8Array(100).fill(120));
          sent += 100;
        } catch {
          // Errored by the deadline meanwhile.
        }
      },
    });
    const body = await readBodyPrefix(new Response(stream), 64 * 1024);
    expect(body.end).toBe('cut');
    expect(body.bytes).toBeGreaterThan(0);
    expect(body.bytes).toBeLessThanOrEqual(sent);
    expect(body.ms).toBeGreaterThanOrEqual(200);
    // Bytes per second from what the read returned: about 100 bytes every 20 ms.
    expect((body.bytes * 1000) / body.ms).toBeLessThan(10_000);
  });
});

describe('the control answer', () => {
  it(`is read up to ${MAX_CONTROL_BYTES} bytes, then refused as too large`, async () => {
    const { next, seen } = endlessBodies('{"dns": {"addrs": [], "failure": null}, "pad": "');
    const result = await askControl(answering(next, { 'content-type': 'application/json' }), 'https://control.example/', request, never, 5000);
    expect(result).toEqual({ controlFailure: 'too-large' });
    expect(seen.pulled).toBeLessThanOrEqual(MAX_CONTROL_BYTES + CHUNK);
    expect(seen.cancelled).toBe(1);
  });

  it('tells the control how long it has, so that it answers within the probe run', async () => {
    let sent: Headers | undefined;
    const fetchFn: Fetch = async (_url, init) => {
      sent = new Headers(init?.headers);
      return new Response('{}', { status: 200 });
    };
    await askControl(fetchFn, 'https://control.example/', request, never, 1834);
    expect(sent?.get('detour-time-budget-ms')).toBe('1834');
  });

  it('is still accepted at the cap itself', async () => {
    const honest = { tcp_connect: {}, http_request: { status_code: 200, body_length: 10, failure: null, title: '', headers: {}, discovered_h3_endpoint: '' }, dns: { addrs: ['45.90.28.10'], failure: null } };
    const text = JSON.stringify(honest);
    const padded = text.slice(0, -1) + `, "pad": "${'a'.repeat(MAX_CONTROL_BYTES - text.length - 11)}"}`;
    expect(padded.length).toBe(MAX_CONTROL_BYTES);
    const result = await askControl(answering(() => padded), 'https://control.example/', request, never, 5000);
    expect(result).toHaveProperty('control.http_request.status_code', 200);
  });

  it('is refused when a field the engine reads has the wrong shape, so the engine never sees it', async () => {
    const base = { tcp_connect: {}, http_request: { status_code: 200, failure: null }, dns: { addrs: [], failure: null } };
    const hostile: unknown[] = [
      { ...base, tls_handshake: { '45.90.28.10:443': null } },
      { ...base, tls_handshake: { '45.90.28.10:443': { server_name: 42, status: true, failure: null } } },
      { ...base, tcp_connect: { '45.90.28.10:443': 'open' } },
      { ...base, ip_info: { '45.90.28.10': null } },
      { ...base, dns: { addrs: [{ ip: '45.90.28.10' }], failure: null } },
      { ...base, http_request: { status_code: 200, failure: { code: 1 } } },
      { ...base, http_request: { status_code: 200, failure: null, title: ['x'] } },
      { ...base, http_request: { status_code: 200, failure: null, headers: { server: { nested: true } } } },
      { ...base, http_request: { status_code: 'NaN', failure: null } },
      [base],
      'null',
    ];
    for (const answer of hostile) {
      const result = await askControl(answering(() => JSON.stringify(answer)), 'https://control.example/', request, never, 5000);
      expect(result, JSON.stringify(answer)).toEqual({ controlFailure: 'bad-response' });
    }
  });

  it('cannot break the verdict: the engine gets no control instead of one it would trip over', async () => {
    // The engine reads tls_handshake entries as objects; a null one used to reach it and throw.
    const hostile = { tcp_connect: {}, http_request: { status_code: 200, failure: null }, dns: { addrs: [], failure: null }, tls_handshake: { '45.90.28.10:443': null } };
    const result = await askControl(answering(() => JSON.stringify(hostile)), 'https://control.example/', request, never, 5000);
    const observations: Observations = {
      url: 'https://mail.example.org/',
      host: 'mail.example.org',
      failure: { class: 'reset' },
      dns: [{ kind: 'system', resolver: 'system', addrs: ['45.90.28.10'] }],
      tls: [{ serverName: 'mail.example.org', ip: '45.90.28.10', ok: false, failure: 'reset' }],
      ...('control' in result ? { control: result.control } : { controlFailure: result.controlFailure }),
    };
    expect(() => classify(observations)).not.toThrow();
    expect(classify(observations).evidence).toContainEqual({ code: 'no_control', params: { reason: 'bad-response' } });
  });
});

describe('a DoH answer', () => {
  it(`is read up to ${MAX_DNS_MESSAGE_BYTES} bytes (the largest DNS message), then counted as no answer`, async () => {
    const { next, seen } = endlessBodies();
    const observation = await queryDoh(answering(next), 'https://doh.example/dns-query', 'mail.example.org', never, 5000);
    expect(observation).toMatchObject({ kind: 'doh', addrs: [], failure: 'error' });
    // Two questions (A and AAAA), two bodies, each stopped just past the cap.
    expect(seen.streams).toBe(2);
    expect(seen.pulled).toBeLessThanOrEqual(2 * (MAX_DNS_MESSAGE_BYTES + CHUNK));
    expect(seen.cancelled).toBe(2);
  });

  it('of ordinary size is still read', async () => {
    const question = { name: 'mail.example.org', type: RR_TYPE.A, class: 1 };
    const answer = encodeResponse({ id: 0, question, answers: [{ name: question.name, type: RR_TYPE.A, ttl: 60, data: '45.90.28.10' }] });
    const fetchFn: Fetch = async () => new Response(answer as Uint8Array<ArrayBuffer>);
    const observation = await queryDoh(fetchFn, 'https://doh.example/dns-query', 'mail.example.org', never, 5000);
    expect(observation.addrs).toContain('45.90.28.10');
  });
});

describe('a canary body', () => {
  it('is read only as far as its expected text needs (a few KiB)', async () => {
    const { next, seen } = endlessBodies();
    const fetchFn: Fetch = async (_input, init) => (init?.mode === 'no-cors' ? new Response('') : new Response(next()));
    const observation = await checkCanary(fetchFn, { url: 'http://canary.example.net/', expect: 'success' }, never, 5000);
    expect(observation).toMatchObject({ ok: true, captive: true });
    expect(seen.pulled).toBeLessThanOrEqual(4096 + CHUNK);
    expect(seen.cancelled).toBe(1);
  });
});
