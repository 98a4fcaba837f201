/**
 * The control vantage protocol: OONI's Web Connectivity test-helper request and response
 * (ooni/spec ts-017 and probe-cli `internal/model/th.go`). Detour's service speaks it, the engine
 * consumes it, and any OONI-compatible test helper can stand in for Detour's.
 *
 * Failure strings are OONI's (`connection_refused`, `connection_reset`, `generic_timeout_error`,
 * `dns_nxdomain_error`, `ssl_invalid_hostname`, `ssl_unknown_authority`, ...): see ooniFailureClass().
 */

/**
 * How long the client will wait for the answer, in milliseconds, sent as a request header so that
 * OONI's request body stays as it is. The service fits its whole measurement into it (less
 * CONTROL_TRANSIT_MS for the answer's way back) instead of its own longer timeouts: a probe run with
 * two seconds left gains nothing from a control that answers in five.
 */
export const CONTROL_TIME_BUDGET_HEADER = 'detour-time-budget-ms';
/** Kept back from the client's time for the request and the answer to cross the network. */
export const CONTROL_TRANSIT_MS = 300;
/** Below this a measurement cannot finish even on loopback; a smaller budget is raised to it. */
export const MIN_CONTROL_BUDGET_MS = 200;

export interface ControlRequest {
  /** The URL to measure, as the user's browser tried it. */
  http_request: string;
  /** Headers to send with the control's GET, OONI style (name to list of values). */
  http_request_headers: Record<string, string[]>;
  /** "ip:port" endpoints the client saw or tried (IPv6 as "[addr]:port"). */
  tcp_connect: string[];
  /** Not sent by Detour; accepted so OONI probes can talk to this service. */
  x_quic_enabled?: boolean;
}

export interface ControlTcpConnectResult {
  status: boolean;
  failure: string | null;
}

export interface ControlTlsHandshakeResult {
  server_name: string;
  status: boolean;
  failure: string | null;
}

export interface ControlHttpRequestResult {
  /** -1 when the request failed. */
  body_length: number;
  /**
   * Detour's service only (OONI's helpers leave it out): how long reading the body took, in ms from
   * the headers to its last byte, so a client can compare the rate the page flowed at. With
   * `body_length` it is the control's rate; absent: no rate from outside.
   */
  x_detour_body_ms?: number;
  discovered_h3_endpoint: string;
  failure: string | null;
  title: string;
  /** Header name to its first value. */
  headers: Record<string, string>;
  /** -1 when the request failed. */
  status_code: number;
}

export interface ControlDnsResult {
  /** OONI string; `dns_name_error` for NXDOMAIN (the helper's historical name). */
  failure: string | null;
  addrs: string[];
}

/** ip_info flags, OR-ed: where an address came from and what is known of it. */
export const IP_FLAG = {
  RESOLVED_BY_PROBE: 1,
  RESOLVED_BY_TH: 2,
  BOGON: 4,
  VALID_FOR_DOMAIN: 8,
} as const;

export interface ControlIpInfo {
  /** 0 when the helper has no ASN database (Detour's service does not ship one). */
  asn: number;
  flags: number;
}

export interface ControlResponse {
  tcp_connect: Record<string, ControlTcpConnectResult>;
  tls_handshake?: Record<string, ControlTlsHandshakeResult>;
  quic_handshake?: Record<string, ControlTlsHandshakeResult>;
  http_request: ControlHttpRequestResult;
  http3_request?: ControlHttpRequestResult | null;
  dns: ControlDnsResult;
  ip_info?: Record<string, ControlIpInfo>;
}

/**
 * More entries than any honest answer has in one list or map (the service tests at most
 * DETOUR_MAX_ENDPOINTS endpoints, 32 by default; a page sends a few dozen headers). A longer one is
 * refused, so what a control costs the engine does not grow with what the network chose to send.
 */
export const MAX_CONTROL_ENTRIES = 1024;

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
/** Go's helpers write an empty field as null, older ones leave it out: both mean "not there". */
const absent = (x: unknown) => x === undefined || x === null;

/**
 * Thrown inside the parser only; parseControlResponse() turns it into undefined. One object, made
 * once: a fresh Error would capture a stack trace for every refused field.
 */
const REFUSED = new Error('not a control answer');
function refuse(): never {
  throw REFUSED;
}

/** `missing` is what an absent field means; without one the field is required. */
const text = (x: unknown, missing?: string): string =>
  typeof x === 'string' ? x : absent(x) && missing !== undefined ? missing : refuse();
const number = (x: unknown, missing?: number): number =>
  isNumber(x) ? x : absent(x) && missing !== undefined ? missing : refuse();
/** An OONI failure string; null for success. */
const failure = (x: unknown): string | null => (absent(x) ? null : typeof x === 'string' ? x : refuse());
const flag = (x: unknown): boolean => (typeof x === 'boolean' ? x : refuse());

function list<T>(x: unknown, item: (v: unknown) => T): T[] {
  if (absent(x)) return [];
  if (!Array.isArray(x) || x.length > MAX_CONTROL_ENTRIES) refuse();
  const out: T[] = [];
  // By index, not by iteration: a hole in a sparse array is read as undefined, and refused.
  for (let i = 0; i < x.length; i++) out.push(item(x[i]));
  return out;
}

function map<T>(x: unknown, entry: (v: unknown) => T): Record<string, T> {
  if (absent(x)) return {};
  if (!isObject(x)) refuse();
  const out: Record<string, T> = {};
  let count = 0;
  for (const key of Object.keys(x)) {
    if (++count > MAX_CONTROL_ENTRIES) refuse();
    const value = entry(x[key]);
    // Assigned, a "__proto__" key would replace the prototype instead of becoming a key.
    if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}

const fields = (x: unknown): Json => (isObject(x) ? x : refuse());

function tcpResult(x: unknown): ControlTcpConnectResult {
  const r = fields(x);
  return { status: flag(r.status), failure: failure(r.failure) };
}

function tlsResult(x: unknown): ControlTlsHandshakeResult {
  const r = fields(x);
  return { server_name: text(r.server_name), status: flag(r.status), failure: failure(r.failure) };
}

function ipInfo(x: unknown): ControlIpInfo {
  const r = fields(x);
  return { asn: number(r.asn), flags: number(r.flags) };
}

/** Go's helper sends each header's first value; a list of values (OONI's request style) gives its first. */
function headerValue(x: unknown): string {
  if (Array.isArray(x)) return x.length === 0 ? '' : text(x[0]);
  return typeof x === 'string' ? x : refuse();
}

function httpResult(x: unknown): ControlHttpRequestResult {
  const r = fields(x);
  return {
    body_length: number(r.body_length, -1),
    // Never read by the engine, so never a reason to refuse an answer.
    discovered_h3_endpoint: typeof r.discovered_h3_endpoint === 'string' ? r.discovered_h3_endpoint : '',
    failure: failure(r.failure),
    title: text(r.title, ''),
    headers: map(r.headers, headerValue),
    status_code: number(r.status_code, -1),
    // Present, it must be a duration like any other field; absent (OONI's helpers), no rate from outside.
    ...(absent(r.x_detour_body_ms) ? {} : { x_detour_body_ms: number(r.x_detour_body_ms) >= 0 ? (r.x_detour_body_ms as number) : refuse() }),
  };
}

function dnsResult(x: unknown): ControlDnsResult {
  const r = fields(x);
  // Addresses stay text: the engine keeps those that are addresses, as it does with every resolver's.
  return { failure: failure(r.failure), addrs: list(r.addrs, (a) => text(a)) };
}

/**
 * What parseControlResponse() returned: the engine checks every control it is given, and one the
 * probes or the OONI adapter already parsed is then recognized instead of walked again. Weak, so
 * nothing is kept alive; in-process code could still alter such an answer afterwards, which nothing
 * in Detour does (and the network cannot).
 */
const PARSED = new WeakSet<object>();

/**
 * A test helper's answer as the engine reads it, or undefined when it is none. Used alike for what
 * arrives from the network (the probes' control), for the control block of an OONI measurement and
 * by the engine itself for whatever Observations it is given, so all meet one rule: every field the
 * engine reads has the type it reads it as, every list and map is bounded, and what older helpers
 * leave out or Go's write as null gets the value OONI gives an absent one (no addresses, no
 * connects, status and body length -1, title ''). A field present with another type refuses the
 * whole answer: a control that says nonsense about one step is not trusted about the others. The
 * result is a fresh object holding only those fields (QUIC and HTTP/3, which the engine does not
 * read, are dropped). Never throws.
 */
export function parseControlResponse(raw: unknown): ControlResponse | undefined {
  try {
    // No DNS block or no HTTP block: not a control answer at all (an empty {} when the helper failed).
    if (!isObject(raw) || !isObject(raw.dns) || !isObject(raw.http_request)) return undefined;
    if (PARSED.has(raw)) return raw as unknown as ControlResponse;
    const control: ControlResponse = {
      tcp_connect: map(raw.tcp_connect, tcpResult),
      http_request: httpResult(raw.http_request),
      dns: dnsResult(raw.dns),
    };
    if (!absent(raw.tls_handshake)) control.tls_handshake = map(raw.tls_handshake, tlsResult);
    if (!absent(raw.ip_info)) control.ip_info = map(raw.ip_info, ipInfo);
    PARSED.add(control);
    return control;
  } catch {
    // Refused, or a getter or proxy that threw: either way no control.
    return undefined;
  }
}
