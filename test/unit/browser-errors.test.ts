import { describe, expect, it } from 'vitest';
import { classifyBrowserError } from '../../lib/browser-errors';

// The strings measured in Chromium 156 and Firefox ESR 153 in the lab, each browser's three dialects
// for the same failure.
const MEASURED: Array<[string, string, string, string]> = [
  ['dns', 'net::ERR_NAME_NOT_RESOLVED', 'NS_ERROR_UNKNOWN_HOST', 'Error code 2152398878'],
  ['reset', 'net::ERR_CONNECTION_RESET', 'NS_ERROR_NET_RESET', 'Error code 2152398868'],
  ['refused', 'net::ERR_CONNECTION_REFUSED', 'NS_ERROR_CONNECTION_REFUSED', 'Error code 2152398861'],
  ['timeout', 'net::ERR_CONNECTION_TIMED_OUT', 'NS_ERROR_NET_TIMEOUT', 'Error code 2152398862'],
];

describe('classifyBrowserError', () => {
  it.each(MEASURED)('%s: Chromium, Firefox webRequest and Firefox webNavigation agree', (cls, chromium, ffName, ffCode) => {
    expect(classifyBrowserError(chromium).class).toBe(cls);
    expect(classifyBrowserError(ffName).class).toBe(cls);
    expect(classifyBrowserError(ffCode).class).toBe(cls);
  });

  it('tells certificate problems apart in both browsers', () => {
    expect(classifyBrowserError('net::ERR_CERT_AUTHORITY_INVALID')).toEqual({ class: 'certificate', certificate: 'issuer' });
    expect(classifyBrowserError('net::ERR_CERT_COMMON_NAME_INVALID')).toEqual({ class: 'certificate', certificate: 'name' });
    expect(classifyBrowserError('net::ERR_CERT_DATE_INVALID')).toEqual({ class: 'certificate', certificate: 'date' });
    expect(classifyBrowserError('net::ERR_CERT_REVOKED')).toEqual({ class: 'certificate', certificate: 'other' });
    expect(classifyBrowserError('SEC_ERROR_UNKNOWN_ISSUER')).toEqual({ class: 'certificate', certificate: 'issuer' });
    expect(classifyBrowserError('SSL_ERROR_BAD_CERT_DOMAIN')).toEqual({ class: 'certificate', certificate: 'name' });
    // nsresult of the security module: 0x805A0000 + 8179 (SEC_ERROR_UNKNOWN_ISSUER = -8179)
    expect(classifyBrowserError(`Error code ${0x805a0000 + 8179}`)).toEqual({ class: 'certificate', certificate: 'issuer' });
    expect(classifyBrowserError(`Error code ${0x805a0000 + 12276}`)).toEqual({ class: 'certificate', certificate: 'name' });
    expect(classifyBrowserError("Peer's Certificate issuer is not recognized.")).toEqual({ class: 'certificate', certificate: 'issuer' });
    expect(classifyBrowserError('net::ERR_SSL_PROTOCOL_ERROR').class).toBe('tls');
    expect(classifyBrowserError('SSL_ERROR_RX_RECORD_TOO_LONG').class).toBe('tls');
  });

  it('recognises local trouble: offline, proxy, unreachable', () => {
    expect(classifyBrowserError('net::ERR_INTERNET_DISCONNECTED').class).toBe('network-down');
    expect(classifyBrowserError('NS_ERROR_OFFLINE').class).toBe('network-down');
    expect(classifyBrowserError('Error code 2152398864').class).toBe('network-down');
    expect(classifyBrowserError('net::ERR_PROXY_CONNECTION_FAILED').class).toBe('proxy');
    expect(classifyBrowserError('net::ERR_TUNNEL_CONNECTION_FAILED').class).toBe('proxy');
    expect(classifyBrowserError('NS_ERROR_PROXY_CONNECTION_REFUSED').class).toBe('proxy');
    expect(classifyBrowserError('net::ERR_ADDRESS_UNREACHABLE').class).toBe('unreachable');
  });

  it('ignores what is never network trouble', () => {
    for (const e of ['net::ERR_ABORTED', 'net::ERR_BLOCKED_BY_CLIENT', 'net::ERR_BLOCKED_BY_ADMINISTRATOR', 'NS_BINDING_ABORTED', 'Error code 2152398850', 'Error code 2147500036']) {
      expect(classifyBrowserError(e).class, e).toBe('ignored');
    }
  });

  it('keeps unknown strings as unknown rather than dropping them', () => {
    expect(classifyBrowserError('net::ERR_SOMETHING_NEW').class).toBe('unknown');
    expect(classifyBrowserError('NS_ERROR_SOMETHING_NEW').class).toBe('unknown');
    expect(classifyBrowserError('Error code 12').class).toBe('unknown');
    expect(classifyBrowserError('').class).toBe('unknown');
  });
});
