/**
 * Throttling (issue 12 item 2): a page whose connection and TLS work but whose bytes crawl is named
 * `throttling`, with the measured rate, and is never read as an IP block; a site slow for everyone
 * is not censorship; a merely slower line is not either.
 */
import { describe, expect, it } from 'vitest';
import { kbps } from '../../../engine/analysis/throughput';
import { parseControlResponse } from '../../../engine/control-protocol';
import { classify } from '../../../engine/verdict';
import type { HttpObservation, Observations, Verdict } from '../../../engine/types';
import { CANARIES_OK, control, DOH, HOST, REAL_PAGE, scenarios, SITE_IP, URL_HTTP, URL_HTTPS } from './scenarios';

const codes = (v: Verdict) => v.evidence.map((e) => e.code);
const item = (v: Verdict, code: string) => v.evidence.find((e) => e.code === code);

/** The throttled scenario with its page retry (and the control's timing) changed. */
function throttled(page: Partial<HttpObservation>, controlPage: Partial<typeof REAL_PAGE & { bodyMs?: number }> | null = {}): Observations {
  const base = scenarios.throttled.withControl;
  const http = [{ ...base.http![0]!, ...page }];
  if (controlPage === null) {
    const { control: _c, ...rest } = base;
    return { ...rest, http, controlFailure: 'unreachable' };
  }
  return { ...base, http, control: control({ http: { ...REAL_PAGE, body_length: 300_000, bodyMs: 15, ...controlPage } }) };
}

describe('throttling', () => {
  it('the page at 4 KB/s while the control read it at full speed: throttling, with both rates, not tcp_ip', () => {
    const v = classify(scenarios.throttled.withControl);
    expect(v).toMatchObject({ kind: 'censorship', method: 'throttling', confirmed: false });
    expect(v.confidence).toBeGreaterThanOrEqual(0.75);
    expect(item(v, 'throttled_rate')?.params).toEqual({ kbps: 4.1, control_kbps: 20000 });
    expect(codes(v)).toContain('slow_answer');
    expect(codes(v)).not.toContain('tcp_timeout');
    expect(codes(v)).not.toContain('https_loaded');
  });

  it('without a control: throttling by the absolute rate, with less confidence, while the canaries answer', () => {
    const withControl = classify(scenarios.throttled.withControl);
    const v = classify(scenarios.throttled.withoutControl);
    expect(v).toMatchObject({ kind: 'censorship', method: 'throttling' });
    expect(v.confidence).toBeGreaterThanOrEqual(0.5);
    expect(v.confidence).toBeLessThan(withControl.confidence);
    expect(item(v, 'throttled_rate_alone')?.params).toEqual({ kbps: 4.1 });
    expect(codes(v)).toContain('no_control');
  });

  it('without a control, canaries or DoH: nothing to compare with, so unknown (neither "it works" nor a block)', () => {
    const obs: Observations = { ...scenarios.throttled.withoutControl, canaries: [], dns: [] };
    const v = classify(obs);
    expect(v.kind).toBe('unknown');
    expect(codes(v)).toContain('throttled_rate_alone');
  });

  it("an OONI helper's control (the page, no timing): throttling by the absolute rate, between the two", () => {
    const v = classify(throttled({}, { bodyMs: undefined }));
    expect(v).toMatchObject({ kind: 'censorship', method: 'throttling' });
    expect(v.confidence).toBeGreaterThan(classify(scenarios.throttled.withoutControl).confidence);
    expect(v.confidence).toBeLessThan(classify(scenarios.throttled.withControl).confidence);
    expect(codes(v)).toEqual(expect.arrayContaining(['throttled_rate_alone', 'http_control_ok']));
  });

  it('slow from outside too: the site is slow for everyone, an outage, never censorship', () => {
    // The control needed 60 s for 300 KB (5 KB/s); the user gets 4 KB/s.
    const v = classify(throttled({}, { bodyMs: 60_000 }));
    expect(v.kind).toBe('outage');
    expect(v.method).toBeUndefined();
    expect(item(v, 'slow_everywhere')?.params).toEqual({ kbps: 4.1, control_kbps: 5 });
  });

  it('slower than the control but not by an order of magnitude: a slow line, the page loads', () => {
    // 60 KB/s here (cut by the deadline after 1 s), 300 KB/s there.
    const v = classify(throttled({ bodyLength: 60_000, bodyMs: 1000 }, { bodyMs: 1000 }));
    expect(v.kind).toBe('ok');
    expect(codes(v)).toContain('https_loaded');
  });

  it('a throttle well above the absolute floor is still named when the control is ten times faster', () => {
    // 20 KB/s here, 20 MB/s there.
    const v = classify(throttled({ bodyLength: 40_000, bodyMs: 2000 }));
    expect(v).toMatchObject({ kind: 'censorship', method: 'throttling' });
    expect(item(v, 'throttled_rate')?.params).toMatchObject({ kbps: 20 });
  });

  it('needs a sample: a body read in a moment, or one that filled the probe cap, says nothing of a rate', () => {
    expect(classify(throttled({ bodyLength: 200, bodyMs: 100, bodyEnd: 'complete' })).kind).toBe('ok');
    expect(classify(throttled({ bodyLength: 65_600, bodyMs: 3000, bodyEnd: 'cap', bodyTruncated: true })).kind).toBe('ok');
  });

  it('headers but no byte of the body: no rate to give, and still not an IP block', () => {
    const v = classify(throttled({ bodyLength: 0, bodyMs: 2000, body: undefined }));
    expect(v.method).not.toBe('tcp_ip');
    expect(codes(v)).not.toContain('tcp_timeout');
  });

  it('a stall before the commit (the handshake crawled too) whose retry then crawls: throttling, not tcp_ip', () => {
    const obs: Observations = { ...scenarios.throttled.withControl, failure: { class: 'stalled', error: 'stalled', elapsedMs: 4000 } };
    const v = classify(obs);
    expect(v).toMatchObject({ kind: 'censorship', method: 'throttling' });
    expect(codes(v)).not.toContain('tcp_timeout');
  });

  it('a slow failure whose retry loads at full speed: it works now', () => {
    const v = classify(throttled({ bodyLength: 48_000, bodyMs: 20, bodyEnd: 'complete' }));
    expect(v.kind).toBe('ok');
  });

  it('plain HTTP: the same rule on the plain page', () => {
    const obs: Observations = {
      url: URL_HTTP,
      host: HOST,
      canaries: CANARIES_OK,
      failure: { class: 'slow', error: 'slow', elapsedMs: 4000 },
      dns: [
        { kind: 'system', resolver: 'system', addrs: [SITE_IP] },
        { kind: 'doh', resolver: DOH, addrs: [SITE_IP] },
      ],
      http: [{ url: URL_HTTP, ok: true, status: 200, title: REAL_PAGE.title, bodyLength: 6000, bodyMs: 2000, bodyEnd: 'cut' }],
      control: control({ tcp: { [`${SITE_IP}:80`]: true }, tls: {}, http: { ...REAL_PAGE, body_length: 300_000, bodyMs: 30 } }),
    };
    expect(classify(obs)).toMatchObject({ kind: 'censorship', method: 'throttling' });
  });

  it('rates are shown in KB/s: one decimal below 10, whole above', () => {
    expect(kbps(4096)).toBe(4.1);
    expect(kbps(512)).toBe(0.5);
    expect(kbps(20_000_000)).toBe(20000);
    expect(kbps(12_345)).toBe(12);
  });

  it("the control's body timing: kept when it is a duration, left out by OONI's helpers, refused when it is not a number", () => {
    const raw = (ms: unknown) => {
      const c = JSON.parse(JSON.stringify(control())) as Record<string, Record<string, unknown>>;
      if (ms !== undefined) c.http_request!.x_detour_body_ms = ms;
      return c;
    };
    expect(parseControlResponse(raw(42))?.http_request.x_detour_body_ms).toBe(42);
    expect(parseControlResponse(raw(undefined))?.http_request).not.toHaveProperty('x_detour_body_ms');
    expect(parseControlResponse(raw(null))?.http_request).not.toHaveProperty('x_detour_body_ms');
    expect(parseControlResponse(raw('42'))).toBeUndefined();
    expect(parseControlResponse(raw(-1))).toBeUndefined();
    expect(scenarios.throttled.withControl.url).toBe(URL_HTTPS);
  });
});
