import { describe, expect, it } from 'vitest';
import { classifyBrowserError, NSS_CODES } from '../../lib/browser-errors';

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

// Firefox NSS errors. Values from NSS's secerr.h (SEC_ERROR_BASE -0x2000), sslerr.h (SSL_ERROR_BASE
// -0x3000) and mozilla::pkix's pkixnss.h (ERROR_BASE -0x4000), written out as numbers so a slip in the
// implementation's bases cannot hide. Expected: the class and, for certificates, what is wrong.
type Expected = 'tls' | 'unknown' | `certificate:${'name' | 'issuer' | 'date' | 'other'}`;
const NSS_TABLE: Array<[string, number, Expected]> = [
  // The TLS protocol: what a forged alert, a DPI reset mid-handshake or a garbled record gives.
  ['SSL_ERROR_NO_CYPHER_OVERLAP', -12286, 'tls'],
  ['SSL_ERROR_UNSUPPORTED_VERSION', -12279, 'tls'],
  ['SSL_ERROR_BAD_MAC_READ', -12273, 'tls'],
  ['SSL_ERROR_BAD_MAC_ALERT', -12272, 'tls'],
  ['SSL_ERROR_BAD_CERT_ALERT', -12271, 'tls'],
  ['SSL_ERROR_NO_CIPHERS_SUPPORTED', -12265, 'tls'],
  ['SSL_ERROR_RX_RECORD_TOO_LONG', -12263, 'tls'],
  ['SSL_ERROR_RX_MALFORMED_SERVER_HELLO', -12259, 'tls'],
  ['SSL_ERROR_RX_MALFORMED_CERTIFICATE', -12258, 'tls'],
  ['SSL_ERROR_RX_MALFORMED_ALERT', -12250, 'tls'],
  ['SSL_ERROR_RX_MALFORMED_HANDSHAKE', -12249, 'tls'],
  ['SSL_ERROR_RX_UNEXPECTED_ALERT', -12236, 'tls'],
  ['SSL_ERROR_RX_UNKNOWN_RECORD_TYPE', -12233, 'tls'],
  ['SSL_ERROR_CLOSE_NOTIFY_ALERT', -12230, 'tls'],
  ['SSL_ERROR_HANDSHAKE_UNEXPECTED_ALERT', -12229, 'tls'],
  ['SSL_ERROR_HANDSHAKE_FAILURE_ALERT', -12227, 'tls'],
  ['SSL_ERROR_ILLEGAL_PARAMETER_ALERT', -12226, 'tls'],
  ['SSL_ERROR_CERTIFICATE_UNKNOWN_ALERT', -12224, 'tls'],
  ['SSL_ERROR_HANDSHAKE_NOT_COMPLETED', -12202, 'tls'],
  ['SSL_ERROR_DECRYPTION_FAILED_ALERT', -12197, 'tls'],
  ['SSL_ERROR_RECORD_OVERFLOW_ALERT', -12196, 'tls'],
  ['SSL_ERROR_UNKNOWN_CA_ALERT', -12195, 'tls'],
  ['SSL_ERROR_ACCESS_DENIED_ALERT', -12194, 'tls'],
  ['SSL_ERROR_DECODE_ERROR_ALERT', -12193, 'tls'],
  ['SSL_ERROR_DECRYPT_ERROR_ALERT', -12192, 'tls'],
  ['SSL_ERROR_PROTOCOL_VERSION_ALERT', -12190, 'tls'],
  ['SSL_ERROR_INSUFFICIENT_SECURITY_ALERT', -12189, 'tls'],
  ['SSL_ERROR_INTERNAL_ERROR_ALERT', -12188, 'tls'],
  ['SSL_ERROR_UNRECOGNIZED_NAME_ALERT', -12182, 'tls'],
  ['SSL_ERROR_INAPPROPRIATE_FALLBACK_ALERT', -12157, 'tls'],
  ['SSL_ERROR_MISSING_EXTENSION_ALERT', -12145, 'tls'],
  ['SSL_ERROR_RX_UNEXPECTED_HELLO_RETRY_REQUEST', -12134, 'tls'],
  // NSS failing in itself, not judging a certificate.
  ['SEC_ERROR_IO', -8192, 'tls'],
  ['SEC_ERROR_LIBRARY_FAILURE', -8191, 'tls'],
  ['SEC_ERROR_BAD_DATA', -8190, 'tls'],
  ['SEC_ERROR_NO_MEMORY', -8173, 'tls'],
  // The site's certificate.
  ['SSL_ERROR_BAD_CERT_DOMAIN', -12276, 'certificate:name'],
  ['SEC_ERROR_UNKNOWN_ISSUER', -8179, 'certificate:issuer'],
  ['SEC_ERROR_UNTRUSTED_ISSUER', -8172, 'certificate:issuer'],
  ['SEC_ERROR_CA_CERT_INVALID', -8156, 'certificate:issuer'],
  ['MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT', -16370, 'certificate:issuer'],
  ['MOZILLA_PKIX_ERROR_MITM_DETECTED', -16369, 'certificate:issuer'],
  ['MOZILLA_PKIX_ERROR_ISSUER_NO_LONGER_TRUSTED', -16367, 'certificate:issuer'],
  ['MOZILLA_PKIX_ERROR_EMPTY_ISSUER_NAME', -16372, 'certificate:issuer'],
  ['SEC_ERROR_EXPIRED_CERTIFICATE', -8181, 'certificate:date'],
  ['SEC_ERROR_EXPIRED_ISSUER_CERTIFICATE', -8162, 'certificate:date'],
  ['SEC_ERROR_INVALID_TIME', -8184, 'certificate:date'],
  ['MOZILLA_PKIX_ERROR_NOT_YET_VALID_CERTIFICATE', -16379, 'certificate:date'],
  ['MOZILLA_PKIX_ERROR_NOT_YET_VALID_ISSUER_CERTIFICATE', -16378, 'certificate:date'],
  ['SEC_ERROR_BAD_SIGNATURE', -8182, 'certificate:other'],
  ['SEC_ERROR_REVOKED_CERTIFICATE', -8180, 'certificate:other'],
  ['SEC_ERROR_UNTRUSTED_CERT', -8171, 'certificate:other'],
  ['SEC_ERROR_INADEQUATE_KEY_USAGE', -8102, 'certificate:other'],
  ['SEC_ERROR_CERT_SIGNATURE_ALGORITHM_DISABLED', -8016, 'certificate:other'],
  ['MOZILLA_PKIX_ERROR_KEY_PINNING_FAILURE', -16384, 'certificate:other'],
  ['MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY', -16383, 'certificate:other'],
  ['MOZILLA_PKIX_ERROR_INADEQUATE_KEY_SIZE', -16382, 'certificate:other'],
  ['MOZILLA_PKIX_ERROR_V1_CERT_USED_AS_CA', -16381, 'certificate:other'],
  ['MOZILLA_PKIX_ERROR_INSUFFICIENT_CERTIFICATE_TRANSPARENCY', -16368, 'certificate:other'],
];
const asExpected = (f: { class: string; certificate?: string }) => (f.class === 'certificate' ? `certificate:${f.certificate}` : f.class);
// Gecko: NS_ERROR_GENERATE_FAILURE(NS_ERROR_MODULE_SECURITY = 21, -code), module offset 0x45.
const nsresultOf = (code: number) => (0x80000000 | ((21 + 0x45) << 16) | -code) >>> 0;

describe('Firefox NSS errors', () => {
  it('the nsresult formula gives the value measured for a forged alert', () => {
    expect(nsresultOf(-12286)).toBe(2153394174);
    expect(classifyBrowserError('Error code 2153394174')).toEqual({ class: 'tls' });
  });

  it.each(NSS_TABLE)('%s (%i): %s, by name, by nsresult and in the library\'s table', (name, code, expected) => {
    if (Object.hasOwn(NSS_CODES, name)) expect(NSS_CODES[name as keyof typeof NSS_CODES], 'value as in the NSS header').toBe(code);
    expect(asExpected(classifyBrowserError(name))).toBe(expected);
    expect(asExpected(classifyBrowserError(`Error code ${nsresultOf(code)}`))).toBe(expected);
  });

  it('the library names exactly the codes that are not their block\'s class, each checked here', () => {
    // Every other code is classed by its block, so the library need not carry its name or value.
    const blockClass = (name: string) => (name.startsWith('SSL_') ? 'tls' : 'certificate:other');
    const exceptions = NSS_TABLE.filter(([name, , expected]) => expected !== blockClass(name)).map(([name]) => name);
    expect(Object.keys(NSS_CODES).sort()).toEqual(exceptions.sort());
  });

  it('codes without a name of their own follow their block', () => {
    // SSL_ERROR_BASE + 0 and + 999 (the block's last), SSL_ERROR_RX_MALFORMED_KEY_SHARE (+138).
    for (const code of [-12288, -11289, -12150]) expect(asExpected(classifyBrowserError(`Error code ${nsresultOf(code)}`)), String(code)).toBe('tls');
    // SEC_ERROR_BAD_DER (+9), SEC_ERROR_OCSP_BAD_SIGNATURE (+157), and the pkix block's last.
    for (const code of [-8183, -8035, -15385]) expect(asExpected(classifyBrowserError(`Error code ${nsresultOf(code)}`)), String(code)).toBe('certificate:other');
    // Between and beyond the blocks: not NSS's, so neither accused nor guessed.
    for (const code of [-1, -9000, -11288, -13000, -15384, -20000]) expect(classifyBrowserError(`Error code ${nsresultOf(code)}`).class, String(code)).toBe('unknown');
    expect(classifyBrowserError('SSL_ERROR_RX_MALFORMED_KEY_SHARE').class).toBe('tls');
  });

  it("Firefox's English sentences for the peer's alerts are the protocol, the site's certificate is not", () => {
    const protocol = [
      'SSL peer rejected your certificate as expired.',
      'SSL peer cannot verify your certificate.',
      'Peer does not recognize and trust the CA that issued your certificate.',
      'SSL peer had some unspecified issue with the certificate it received.',
      'SSL received a malformed Certificate handshake message.',
      'SSL peer was unable to negotiate an acceptable set of security parameters.',
      'SSL received a record that exceeded the maximum permissible length.',
    ];
    for (const s of protocol) expect(classifyBrowserError(s), s).toEqual({ class: 'tls' });
    expect(classifyBrowserError("Peer's Certificate has expired.")).toEqual({ class: 'certificate', certificate: 'date' });
    // As the lab's Firefox writes it, with a typographic apostrophe.
    expect(classifyBrowserError('Peer\u2019s Certificate issuer is not recognized.')).toEqual({ class: 'certificate', certificate: 'issuer' });
    expect(classifyBrowserError('The certificate is not trusted because it is self-signed.')).toEqual({ class: 'certificate', certificate: 'issuer' });
    expect(classifyBrowserError("Unable to communicate securely with peer: requested domain name does not match the server's certificate.")).toEqual({
      class: 'certificate',
      certificate: 'name',
    });
  });
});
