/** Settings from the environment, the Node-error table, and the README that documents both. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, ENV_VARS, loadConfig, unknownSettings } from '../src/config';
import { ooniFailure } from '../src/failure-strings';

const README = fs.readFileSync(path.resolve(import.meta.dirname, '../README.md'), 'utf8');

describe('configuration', () => {
  it('uses the embedded defaults with an empty environment', () => {
    expect(loadConfig({})).toEqual(DEFAULT_CONFIG);
    expect(DEFAULT_CONFIG).toMatchObject({ allowPrivateTargets: false, allowedPorts: [80, 443], maxRedirects: 10, maxBodyBytes: 1048576 });
  });

  it('reads every setting from DETOUR_* variables', () => {
    const config = loadConfig({
      DETOUR_HOST: '0.0.0.0',
      DETOUR_PORT: '9000',
      DETOUR_DNS_SERVERS: '127.0.0.1:5353, [::1]:53,9.9.9.9',
      DETOUR_ALLOW_LOOPBACK_TARGETS: '1',
      DETOUR_ALLOWED_PORTS: '80,443,8443',
      DETOUR_RATE_LIMIT_MAX: '0',
      DETOUR_TRUST_PROXY: '10.0.0.0/8,127.0.0.1',
      DETOUR_LOG_LEVEL: 'WARN',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
      dnsServers: ['127.0.0.1:5353', '[::1]:53', '9.9.9.9'],
      allowPrivateTargets: true,
      allowedPorts: [80, 443, 8443],
      rateLimitMax: 0,
      trustProxy: ['10.0.0.0/8', '127.0.0.1'],
      logLevel: 'warn',
    });
    expect(loadConfig({ DETOUR_ALLOWED_PORTS: 'any' }).allowedPorts).toBe('any');
  });

  it('refuses bad values, naming every bad variable', () => {
    const bad = () => loadConfig({ DETOUR_PORT: '70000', DETOUR_DNS_SERVERS: 'resolver.example', DETOUR_ALLOW_LOOPBACK_TARGETS: 'maybe' });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/DETOUR_PORT[\s\S]*DETOUR_DNS_SERVERS[\s\S]*DETOUR_ALLOW_LOOPBACK_TARGETS/);
    expect(() => loadConfig({ DETOUR_STEP_TIMEOUT_MS: '20000', DETOUR_MEASUREMENT_TIMEOUT_MS: '10000' })).toThrow(/STEP_TIMEOUT/);
  });

  it('notices misspelt settings', () => {
    expect(unknownSettings({ DETOUR_ALLOW_LOOPBACK_TARGET: '1', DETOUR_PORT: '1', DETOUR_LAB_NETNS: '1', PATH: '/bin' })).toEqual([
      'DETOUR_ALLOW_LOOPBACK_TARGET',
    ]);
  });

  it('server/README.md documents every variable', () => {
    for (const v of ENV_VARS) expect(README, v.name).toContain(`\`${v.name}\``);
  });
});

describe('Node error -> OONI failure string', () => {
  const err = (code: string, syscall?: string) => Object.assign(new Error(code), { code, ...(syscall ? { syscall } : {}) });
  it.each([
    [err('ECONNREFUSED', 'connect'), 'connection_refused'],
    [err('ECONNRESET', 'read'), 'connection_reset'],
    [err('ECONNRESET'), 'eof_error'],
    [err('ETIMEDOUT', 'connect'), 'generic_timeout_error'],
    [err('ETIMEOUT'), 'generic_timeout_error'],
    [err('ENOTFOUND'), 'dns_nxdomain_error'],
    [err('ESERVFAIL'), 'dns_server_failure'],
    [err('EHOSTUNREACH', 'connect'), 'host_unreachable'],
    [err('ENETUNREACH', 'connect'), 'network_unreachable'],
    [err('ERR_TLS_CERT_ALTNAME_INVALID'), 'ssl_invalid_hostname'],
    [err('SELF_SIGNED_CERT_IN_CHAIN'), 'ssl_unknown_authority'],
    [err('CERT_HAS_EXPIRED'), 'ssl_invalid_certificate'],
    [err('ERR_SSL_WRONG_VERSION_NUMBER'), 'ssl_failed_handshake'],
    [err('bogon_refused'), 'bogon_refused'],
    [err('EWHATEVER'), 'unknown_failure: EWHATEVER'],
    [new Error('no code'), 'unknown_failure: no error code'],
  ])('%s -> %s', (error, expected) => {
    expect(ooniFailure(error)).toBe(expected);
  });
});
