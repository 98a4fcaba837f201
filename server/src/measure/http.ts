/**
 * The HTTP step: GET the URL as a browser would, following redirects, and describe the final answer
 * the way OONI's helper does (status, body length, title, header name to first value).
 *
 * The first hop is sent over a connection the endpoint steps already opened and verified (see
 * control.ts); every redirect hop opens its own through safe-connect.ts, so each redirect target is
 * checked like the first URL. The socket goes to http.request via createConnection: no agent, no
 * pooling, no lookup by Node. Bodies are read up to the byte cap and then abandoned; a body cut short
 * by an error or the deadline is reported with what was read and the failure, as OONI does.
 */
import http from 'node:http';
import type net from 'node:net';
import { once } from 'node:events';
import { pipeline, type Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { ControlHttpRequestResult } from '../../../engine/control-protocol';
import { pageTitle } from '../../../engine/page-title';
import { failureError, ooniFailure } from '../failure-strings';
import { bareHost, connectToHost } from '../safe-connect';
import { bound, type Budget } from './budget';
import type { MeasureContext } from './context';
import { tlsHandshake } from './tls';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Titles are looked for in this much of the body: they live in <head>, and it bounds memory. */
const TITLE_WINDOW_BYTES = 256 * 1024;


/**
 * The only request headers taken from the client, as OONI's helper does: enough to be served the
 * page the user's browser was served, too few to smuggle credentials or odd requests through.
 */
const FORWARDED_HEADERS = {
  'User-Agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'Accept-Language': 'en-US,en;q=0.9',
} as const;

const PRINTABLE = /^[\x20-\x7e\t]*$/;

/** The forwarded headers: the client's first value when it is printable ASCII, else the default. */
export function requestHeaders(clientHeaders: Record<string, string[]>): Record<string, string> {
  const byLowerName = new Map(Object.entries(clientHeaders).map(([name, values]) => [name.toLowerCase(), values[0]]));
  const out: Record<string, string> = {};
  for (const [name, fallback] of Object.entries(FORWARDED_HEADERS)) {
    const value = byLowerName.get(name.toLowerCase());
    out[name] = value !== undefined && value.length > 0 && PRINTABLE.test(value) ? value : fallback;
  }
  return out;
}

/** Go's canonical header key ("content-type" -> "Content-Type"), the form OONI's helper reports. */
export function canonicalHeaderKey(name: string): string {
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) return name;
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
}

function firstValues(rawHeaders: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const key = canonicalHeaderKey(rawHeaders[i]!);
    if (!(key in headers)) headers[key] = rawHeaders[i + 1]!;
  }
  return headers;
}

export function extractTitle(body: Buffer): string {
  const text = new TextDecoder('utf-8').decode(body);
  return pageTitle(text) ?? '';
}

/**
 * Cookies set along a redirect chain, sent back to the same host: some login pages redirect in a
 * loop without them. Deliberately minimal (no Domain, Path or expiry handling): one chain, one host.
 */
class CookieJar {
  private readonly byHost = new Map<string, Map<string, string>>();

  store(host: string, setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const pair = line.split(';', 1)[0]!;
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const jar = this.byHost.get(host) ?? new Map<string, string>();
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
      this.byHost.set(host, jar);
    }
  }

  header(host: string): string | undefined {
    const jar = this.byHost.get(host);
    return jar && jar.size > 0 ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : undefined;
  }
}

interface OpenResponse {
  res: http.IncomingMessage;
  close(): void;
}

/** A connection ready for the request: TCP for http, TCP plus a verified TLS session for https. */
export type OpenConnection = () => Promise<net.Socket>;

export function effectivePort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

function connectionFor(url: URL, ctx: MeasureContext, budget: Budget): OpenConnection {
  return async () => {
    const host = bareHost(url.hostname);
    const { socket } = await connectToHost(host, effectivePort(url), ctx.guard, ctx.resolver, budget);
    return url.protocol === 'https:' ? tlsHandshake(socket, host, ctx.secureContext, budget) : socket;
  };
}

async function openResponse(
  url: URL,
  connect: OpenConnection,
  headers: Record<string, string>,
  jar: CookieJar,
  budget: Budget,
): Promise<OpenResponse> {
  const stream = await connect();
  const cookie = jar.header(url.hostname);
  const req = http.request({
    createConnection: () => stream,
    method: 'GET',
    path: `${url.pathname}${url.search}`,
    setHost: false,
    headers: {
      Host: url.host,
      ...headers,
      // Like Go's client (and so OONI's helper): ask for gzip, measure the decompressed body.
      'Accept-Encoding': 'gzip',
      Connection: 'close',
      ...(cookie ? { Cookie: cookie } : {}),
    },
  });
  const close = () => {
    req.destroy();
    stream.destroy();
  };
  req.on('error', () => {});
  const disarm = bound(req, budget.stepMs(), budget.signal);
  try {
    req.end();
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    res.on('error', () => {});
    jar.store(url.hostname, res.headers['set-cookie']);
    return { res, close };
  } catch (error) {
    close();
    throw error;
  } finally {
    disarm();
  }
}

async function readFinalResponse(hop: OpenResponse, ctx: MeasureContext, budget: Budget): Promise<ControlHttpRequestResult> {
  const { res } = hop;
  let body: Readable = res;
  if (res.headers['content-encoding']?.trim().toLowerCase() === 'gzip') {
    // pipeline() carries an error (reset, timeout) from the response into the gunzip stream.
    body = pipeline(res, zlib.createGunzip(), () => {});
  }
  const max = ctx.limits.maxBodyBytes;
  const head: Buffer[] = [];
  let headLength = 0;
  let length = 0;
  let failure: string | null = null;
  const disarm = bound(res, budget.remainingMs(), budget.signal);
  const started = performance.now();
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      const take = Math.min(chunk.length, max - length);
      if (headLength < TITLE_WINDOW_BYTES) {
        const keep = Math.min(take, TITLE_WINDOW_BYTES - headLength);
        head.push(chunk.subarray(0, keep));
        headLength += keep;
      }
      length += take;
      if (length >= max) break;
    }
  } catch (error) {
    failure = ooniFailure(error);
  } finally {
    disarm();
    hop.close();
  }
  return {
    body_length: length,
    x_detour_body_ms: Math.round(performance.now() - started),
    discovered_h3_endpoint: '',
    failure,
    title: extractTitle(Buffer.concat(head)),
    headers: firstValues(res.rawHeaders),
    status_code: res.statusCode ?? -1,
  };
}

function nextUrl(location: string | undefined, current: URL): URL | undefined {
  if (!location) return undefined;
  try {
    return new URL(location, current);
  } catch {
    return undefined;
  }
}

async function fetchFollowingRedirects(
  url: URL,
  firstConnection: OpenConnection,
  headers: Record<string, string>,
  ctx: MeasureContext,
  budget: Budget,
): Promise<ControlHttpRequestResult> {
  const jar = new CookieJar();
  let current = url;
  for (let redirects = 0; ; redirects++) {
    const connect = redirects === 0 ? firstConnection : connectionFor(current, ctx, budget);
    const hop = await openResponse(current, connect, headers, jar, budget);
    const next = REDIRECT_STATUSES.has(hop.res.statusCode ?? 0) ? nextUrl(hop.res.headers.location, current) : undefined;
    if (!next) return readFinalResponse(hop, ctx, budget);
    hop.close();
    if (redirects >= ctx.limits.maxRedirects) throw failureError('too_many_redirects');
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw failureError('scheme_not_allowed');
    current = next;
  }
}

export function failedHttpRequest(failure: string): ControlHttpRequestResult {
  return { body_length: -1, discovered_h3_endpoint: '', failure, title: '', headers: {}, status_code: -1 };
}

/**
 * The `http_request` block of the control response. Never throws. `firstConnection` supplies the
 * first hop's connection (by default: resolve, check, connect, handshake, like any redirect hop).
 */
export async function httpStep(
  url: URL,
  clientHeaders: Record<string, string[]>,
  ctx: MeasureContext,
  budget: Budget,
  firstConnection: OpenConnection = connectionFor(url, ctx, budget),
): Promise<ControlHttpRequestResult> {
  try {
    return await fetchFollowingRedirects(url, firstConnection, requestHeaders(clientHeaders), ctx, budget);
  } catch (error) {
    return failedHttpRequest(ooniFailure(error));
  }
}
