/**
 * The service's settings: embedded defaults, overridden by DETOUR_* environment variables. Every
 * variable is listed in ENV_VARS (server/README.md documents each; a test checks they agree). A bad
 * value stops the service at startup with a message naming the variable, rather than running with a
 * setting nobody asked for.
 */
import path from 'node:path';
import { isIp } from '../../engine/ip';
import { isDatabaseUrl } from './db/database-url';

export interface Config {
  host: string;
  port: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Fastify's trustProxy: false, true (any hop), or the proxies' addresses/CIDRs. */
  trustProxy: boolean | string[];
  /** "ip" or "ip:port" (IPv6 "[ip]:port"); undefined = the servers in /etc/resolv.conf. */
  dnsServers: string[] | undefined;
  /** A PEM file of extra trusted CA certificates, added to Node's bundled roots. */
  extraCaFile: string | undefined;
  /** Lab and test only: connect to loopback, private and other bogon addresses. */
  allowPrivateTargets: boolean;
  /** Ports the service connects to; 'any' in the lab. */
  allowedPorts: 'any' | number[];
  maxRedirects: number;
  maxBodyBytes: number;
  measurementTimeoutMs: number;
  stepTimeoutMs: number;
  maxConcurrent: number;
  maxQueue: number;
  maxEndpoints: number;
  requestBodyLimit: number;
  /** Requests per client (IPv4 address, IPv6 /64) per window, every path together; 0 turns rate limiting off. */
  rateLimitMax: number;
  rateLimitWindowMs: number;
  /** Open connections in total; beyond that new ones are closed on accept. */
  maxConnections: number;
  /** Open connections per client address (IPv6: per /64); trusted proxies are exempt. */
  maxConnectionsPerClient: number;
  /** Time a client has to send a whole request (from its first byte), and the longest a connection may stay silent. */
  clientTimeoutMs: number;
  shutdownGraceMs: number;
  /** Where failure reports are counted: `sqlite:PATH` or `postgres://…` (src/db/database-url.ts). */
  databaseUrl: string;
  /** Aggregate rows counting fewer reports than this are never published (k-anonymity). */
  reportsK: number;
  /** Report batches per client per DETOUR_RATE_LIMIT_WINDOW_MS, kept in memory only; 0 turns it off. */
  reportRateLimitMax: number;
}

export const DEFAULT_CONFIG: Config = {
  host: '127.0.0.1',
  port: 8080,
  logLevel: 'info',
  trustProxy: false,
  dnsServers: undefined,
  extraCaFile: undefined,
  allowPrivateTargets: false,
  allowedPorts: [80, 443],
  maxRedirects: 10,
  maxBodyBytes: 1024 * 1024,
  measurementTimeoutMs: 10_000,
  stepTimeoutMs: 5_000,
  maxConcurrent: 64,
  maxQueue: 256,
  maxEndpoints: 32,
  requestBodyLimit: 32 * 1024,
  rateLimitMax: 30,
  rateLimitWindowMs: 60_000,
  maxConnections: 1024,
  maxConnectionsPerClient: 32,
  clientTimeoutMs: 10_000,
  shutdownGraceMs: 15_000,
  // Beside the service, not the working directory, so `npm run server` from anywhere finds one file.
  databaseUrl: `sqlite:${path.resolve(import.meta.dirname, '..', 'data', 'detour.sqlite')}`,
  reportsK: 10,
  reportRateLimitMax: 30,
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Parser<K extends keyof Config> = (raw: string) => Config[K];

interface EnvVar<K extends keyof Config = keyof Config> {
  name: string;
  key: K;
  parse: Parser<K>;
}

function integer(min: number, max = Number.MAX_SAFE_INTEGER): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new ConfigError(`expected a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    return n;
  };
}

function flag(raw: string): boolean {
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off|)$/i.test(raw)) return false;
  throw new ConfigError(`expected 1 or 0, got ${JSON.stringify(raw)}`);
}

function list(raw: string): string[] {
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

function dnsServer(value: string): string {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(value);
  const plain = /^([^:]+)(?::(\d{1,5}))?$/.exec(value);
  const ip = bracketed?.[1] ?? plain?.[1] ?? value;
  const port = bracketed ? bracketed[2] : plain ? plain[2] : undefined;
  if (!isIp(ip) || (port !== undefined && (Number(port) < 1 || Number(port) > 65535))) {
    throw new ConfigError(`not an "ip", "ip:port" or "[ipv6]:port" DNS server: ${JSON.stringify(value)}`);
  }
  return value;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function envVar<K extends keyof Config>(name: string, key: K, parse: Parser<K>): EnvVar<K> {
  return { name, key, parse };
}

export const ENV_VARS: EnvVar[] = [
  envVar('DETOUR_HOST', 'host', (raw) => {
    if (!isIp(raw) && !/^[a-z0-9.-]+$/i.test(raw)) throw new ConfigError(`not an address: ${JSON.stringify(raw)}`);
    return raw;
  }),
  envVar('DETOUR_PORT', 'port', integer(0, 65535)),
  envVar('DETOUR_LOG_LEVEL', 'logLevel', (raw) => {
    const level = LOG_LEVELS.find((l) => l === raw.toLowerCase());
    if (!level) throw new ConfigError(`expected one of ${LOG_LEVELS.join(', ')}`);
    return level;
  }),
  envVar('DETOUR_TRUST_PROXY', 'trustProxy', (raw) => {
    if (/^(0|false|no|off|)$/i.test(raw)) return false;
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    return list(raw);
  }),
  envVar('DETOUR_DNS_SERVERS', 'dnsServers', (raw) => {
    const servers = list(raw).map(dnsServer);
    return servers.length > 0 ? servers : undefined;
  }),
  envVar('DETOUR_EXTRA_CA_FILE', 'extraCaFile', (raw) => raw || undefined),
  envVar('DETOUR_ALLOW_LOOPBACK_TARGETS', 'allowPrivateTargets', flag),
  envVar('DETOUR_ALLOWED_PORTS', 'allowedPorts', (raw) => {
    if (/^(any|\*)$/i.test(raw.trim())) return 'any';
    const ports = list(raw).map(integer(1, 65535));
    if (ports.length === 0) throw new ConfigError('expected a comma-separated list of ports, or "any"');
    return ports;
  }),
  envVar('DETOUR_MAX_REDIRECTS', 'maxRedirects', integer(0, 50)),
  envVar('DETOUR_MAX_BODY_BYTES', 'maxBodyBytes', integer(0, 64 * 1024 * 1024)),
  envVar('DETOUR_MEASUREMENT_TIMEOUT_MS', 'measurementTimeoutMs', integer(100, 120_000)),
  envVar('DETOUR_STEP_TIMEOUT_MS', 'stepTimeoutMs', integer(50, 120_000)),
  envVar('DETOUR_MAX_CONCURRENT', 'maxConcurrent', integer(1, 10_000)),
  envVar('DETOUR_MAX_QUEUE', 'maxQueue', integer(0, 100_000)),
  envVar('DETOUR_MAX_ENDPOINTS', 'maxEndpoints', integer(1, 1_000)),
  envVar('DETOUR_REQUEST_BODY_LIMIT', 'requestBodyLimit', integer(1_024, 16 * 1024 * 1024)),
  envVar('DETOUR_RATE_LIMIT_MAX', 'rateLimitMax', integer(0)),
  envVar('DETOUR_RATE_LIMIT_WINDOW_MS', 'rateLimitWindowMs', integer(1_000)),
  envVar('DETOUR_MAX_CONNECTIONS', 'maxConnections', integer(1, 1_000_000)),
  envVar('DETOUR_MAX_CONNECTIONS_PER_CLIENT', 'maxConnectionsPerClient', integer(1, 1_000_000)),
  envVar('DETOUR_CLIENT_TIMEOUT_MS', 'clientTimeoutMs', integer(100, 600_000)),
  envVar('DETOUR_SHUTDOWN_GRACE_MS', 'shutdownGraceMs', integer(0, 600_000)),
  envVar('DETOUR_DATABASE_URL', 'databaseUrl', (raw) => {
    if (!isDatabaseUrl(raw)) throw new ConfigError('expected sqlite:PATH or postgres://…');
    return raw;
  }),
  envVar('DETOUR_REPORTS_K', 'reportsK', integer(1, 1_000_000)),
  envVar('DETOUR_REPORT_RATE_LIMIT_MAX', 'reportRateLimitMax', integer(0)),
] as EnvVar[];

/** Defaults, then every DETOUR_* variable that is set. Throws a ConfigError listing every bad one. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const config: Config = { ...DEFAULT_CONFIG };
  const problems: string[] = [];
  for (const v of ENV_VARS) {
    const raw = env[v.name];
    if (raw === undefined) continue;
    try {
      (config as unknown as Record<string, unknown>)[v.key] = v.parse(raw.trim());
    } catch (error) {
      problems.push(`${v.name}: ${(error as Error).message}`);
    }
  }
  if (config.stepTimeoutMs > config.measurementTimeoutMs) {
    problems.push('DETOUR_STEP_TIMEOUT_MS: must not exceed DETOUR_MEASUREMENT_TIMEOUT_MS');
  }
  if (problems.length > 0) throw new ConfigError(`invalid settings:\n  ${problems.join('\n  ')}`);
  return config;
}

/** DETOUR_* variables that are not settings: likely typos, worth a warning at startup. */
export function unknownSettings(env: NodeJS.ProcessEnv = process.env): string[] {
  const known = new Set(ENV_VARS.map((v) => v.name));
  // DETOUR_LAB_NETNS is set by scripts/in-lab-netns.sh, not meant for this service.
  return Object.keys(env).filter((name) => name.startsWith('DETOUR_') && !known.has(name) && name !== 'DETOUR_LAB_NETNS');
}
