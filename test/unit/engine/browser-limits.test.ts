/**
 * Verdicts from what a browser extension can really see, as measured in the lab with the built
 * extension: Chromium names no address for a failed request, HSTS hides plain-HTTP block pages, and a
 * request to a bare address only says "failed".
 */
import { describe, expect, it } from 'vitest';
import type { ControlResponse } from '../../../engine/control-protocol';
import type { Observations } from '../../../engine/types';
import { classify } from '../../../engine/verdict';

const HOST = 'login.mailbox.org';
const REAL = '11.66.0.10';
const doh = { kind: 'doh' as const, resolver: 'https://doh.example/dns-query', addrs: [REAL] };
const canaries = [{ url: 'http://canary.example/', ok: true }];

function control(extra: Partial<ControlResponse> = {}): ControlResponse {
  return {
    tcp_connect: { [`${REAL}:443`]: { status: true, failure: null } },
    tls_handshake: { [`${REAL}:443`]: { server_name: HOST, status: true, failure: null } },
    http_request: { body_length: 174, discovered_h3_endpoint: '', failure: null, title: 'Mail', headers: {}, status_code: 200 },
    dns: { failure: null, addrs: [REAL] },
    ip_info: { [REAL]: { asn: 0, flags: 2 | 8 } },
    ...extra,
  };
}

/** Firefox named no cause, and the retry failed the same way. */
const unnamedFailure: Observations = {
  url: `https://${HOST}/`,
  host: HOST,
  failure: { class: 'unknown', error: 'NS_ERROR_FAILURE' },
  dns: [{ kind: 'system', resolver: 'system', addrs: [REAL] }, doh],
  http: [{ url: `https://${HOST}/`, ok: false, failure: 'unknown' }],
  canaries,
};

describe('the engine with a browser extension\'s view', () => {
  it('calls a reset by name SNI filtering when another of the provider\'s names loads from the same address', () => {
    const obs: Observations = {
      url: `https://${HOST}/`,
      host: HOST,
      failure: { class: 'reset', error: 'net::ERR_CONNECTION_RESET' },
      dns: [doh],
      tls: [{ serverName: HOST, ok: false, failure: 'reset' }],
      http: [{ url: `https://${HOST}/`, ok: false, failure: 'reset' }],
      siblings: [{ host: 'kb.mailbox.org', ok: true, ip: REAL }],
      canaries,
      control: control(),
    };
    const verdict = classify(obs);
    expect(verdict).toMatchObject({ kind: 'censorship', method: 'tls' });
    expect(verdict.evidence.map((e) => e.code)).toContain('sibling_same_address_ok');
    // The same sibling served from elsewhere proves nothing about this address.
    const elsewhere = classify({ ...obs, siblings: [{ host: 'kb.mailbox.org', ok: true, ip: '11.66.9.9' }] });
    expect(elsewhere).toMatchObject({ kind: 'censorship', method: 'http-failure' });
  });

  it('never says "works" after a failure unless the site itself answered since', () => {
    const verdict = classify({ ...unnamedFailure, control: control() });
    expect(verdict.kind).not.toBe('ok');
    const recovered = classify({
      ...unnamedFailure,
      http: [{ url: `https://${HOST}/`, ok: true, status: 200 }],
      control: control(),
    });
    expect(recovered.kind).toBe('ok');
  });

  it('does not read the control failing at the address the user\'s DNS made up as the site being down', () => {
    const blockServer = '11.66.20.20';
    const verdict = classify({
      url: `https://${HOST}/`,
      host: HOST,
      failure: { class: 'certificate', certificate: 'name', error: 'Error code 2153394164' },
      dns: [{ kind: 'system', resolver: 'system', addrs: [blockServer] }, doh],
      tls: [{ serverName: HOST, ip: blockServer, ok: false, failure: 'certificate', certificate: 'name' }],
      canaries,
      control: control({
        tcp_connect: { [`${REAL}:443`]: { status: true, failure: null }, [`${blockServer}:443`]: { status: true, failure: null } },
        tls_handshake: {
          [`${REAL}:443`]: { server_name: HOST, status: true, failure: null },
          [`${blockServer}:443`]: { server_name: HOST, status: false, failure: 'ssl_invalid_hostname' },
        },
      }),
    });
    expect(verdict).toMatchObject({ kind: 'censorship', method: 'dns' });
  });
});

describe('a failure nobody names', () => {

  it('is an http-failure when the retries fail too and the control fetches the page', () => {
    expect(classify({ ...unnamedFailure, control: control() })).toMatchObject({ kind: 'censorship', method: 'http-failure' });
  });

  it('is an outage when the control fails as well, and unknown without any control', () => {
    const down = control({ http_request: { body_length: -1, discovered_h3_endpoint: '', failure: 'connection_reset', title: '', headers: {}, status_code: -1 } });
    expect(classify({ ...unnamedFailure, control: down }).kind).not.toBe('censorship');
    expect(classify(unnamedFailure).kind).not.toBe('censorship');
  });
});
