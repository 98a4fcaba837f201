/**
 * One rate-limit bucket per client, shared by every endpoint. A per-route limiter (what
 * @fastify/rate-limit does with route options) gives a client one budget per path, so the `/` and
 * `/api/v1/control` aliases doubled the documented rate; and a limiter keyed by the full address
 * lets an IPv6 client, which usually holds a whole /64, take a fresh budget per address.
 *
 * Fixed windows in a Map bounded by `maxClients`: the entries are kept in the order their windows
 * end, so expired ones are swept from the front in O(1) per entry, and when the Map is full of live
 * windows the oldest is evicted (that client gets a fresh budget early, which costs less than
 * refusing clients nobody has seen, or growing without bound).
 */
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import ipaddr from 'ipaddr.js';
import type { Counters } from './metrics';

/**
 * The key a client is counted under: an IPv4 address as is (IPv4-mapped IPv6 too, so a dual-stack
 * listener counts `::ffff:1.2.3.4` and `1.2.3.4` together), an IPv6 address by its /64, the
 * smallest block an ISP hands one subscriber. Anything unparseable (a forged X-Forwarded-For under
 * DETOUR_TRUST_PROXY=1) shares one key, so garbage cannot mint buckets.
 */
export function clientKey(address: string | undefined): string {
  if (!address || !ipaddr.isValid(address)) return 'unparsed';
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const v6 = parsed as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
  return `${v6.parts
    .slice(0, 4)
    .map((part) => part.toString(16))
    .join(':')}::/64`;
}

interface Window {
  count: number;
  endsAt: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
    readonly maxClients = 100_000,
    // Monotonic, so a wall-clock step cannot reorder windows or stretch one.
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Clients with a live window (for tests and the bound). */
  get size(): number {
    return this.windows.size;
  }

  /** Counts one request for `key`; when it is over the limit, how long until its window ends. */
  hit(key: string): { allowed: true } | { allowed: false; retryAfterMs: number } {
    const now = this.now();
    let window = this.windows.get(key);
    if (window && window.endsAt <= now) {
      this.windows.delete(key);
      window = undefined;
    }
    if (!window) {
      this.sweep(now);
      if (this.windows.size >= this.maxClients) this.windows.delete(this.windows.keys().next().value!);
      window = { count: 0, endsAt: now + this.windowMs };
      this.windows.set(key, window);
    }
    window.count++;
    return window.count <= this.max ? { allowed: true } : { allowed: false, retryAfterMs: window.endsAt - now };
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) {
      if (window.endsAt > now) return;
      this.windows.delete(key);
    }
  }
}

/**
 * Counts every request (measurements, preflights, /health, /metrics, 404s) in the client's one
 * bucket. Registered after the origin check, so requests refused for their Origin cost nothing here.
 * `request.ip` honours trustProxy, so behind a reverse proxy the key is the real client.
 */
export function registerRateLimit(app: FastifyInstance, limiter: RateLimiter, counters: Counters): void {
  app.addHook('onRequest', async (request, reply) => {
    const verdict = limiter.hit(clientKey(request.ip));
    if (verdict.allowed) return;
    counters.rejected_rate_limited++;
    const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
    return reply
      .code(429)
      .header('retry-after', String(seconds))
      .send({ error: 'rate_limited', message: `too many requests; retry in ${seconds} s` });
  });
}
