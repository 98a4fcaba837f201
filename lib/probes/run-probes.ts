/**
 * One probe run: everything Detour measures about one failing URL, in parallel, within one deadline,
 * modelled on OONI's Web Connectivity (DNS, TCP, TLS, HTTP, and a control from outside) plus what
 * only a browser can tell (canaries, captive portal, the browser's own error strings).
 *
 * What it sends, and only after a watched site failed: DNS questions for the failing host to the
 * configured DoH resolvers; requests to the configured canaries; a retry of the failing URL (without
 * its query string) and of its plain-HTTP root; requests to the host's addresses and to the provider's
 * other official domains; the URL and addresses to the configured control service.
 *
 * The result is raw measurements; lib/probes/assemble-observations.ts makes them Observations
 * (engine/types.ts), and the engine a verdict.
 */
import type { ControlRequest } from '../../engine/control-protocol';
import type { CertificateProblem, FailureClass } from '../../engine/failure';
import { endpoint, ipFamily, isBogon, isIp } from '../../engine/ip';
import { pageTitle } from '../../engine/page-title';
import type { DnsObservation, HttpObservation, Observations, SiblingObservation } from '../../engine/types';
import type { Settings } from '../settings';
import { checkCanary } from './canaries';
import { askControl } from './control';
import { queryDoh } from './doh';
import { markUrl, type OwnRequests } from './own-requests';
import { readBodyPrefix, timedFetch, type Fetch, type FetchResult } from './timed-fetch';
import { urlForIp, type AddressResult, type PageResult, type ProbeMeasurements } from './assemble-observations';

export interface ProbeRequest {
  /** The failing URL, already without query string and fragment. */
  url: string;
  host: string;
  failure?: { class: FailureClass; certificate?: CertificateProblem; error?: string; ip?: string };
  /** When the user's navigation started: the budget counts from here, so a stall's verdict is not late. */
  startedAt: number;
}

export interface ProbeEnvironment {
  fetch: Fetch;
  settings: Settings;
  own: OwnRequests;
  /** Other official domains of the same provider (catalog), to tell targeted blocking from a dead network. */
  siblings: string[];
  /** The system resolver's answer, where the browser exposes it (Firefox's dns API). */
  systemResolve?: (host: string) => Promise<DnsObservation>;
  /** Whether Detour holds host access to a canary (its body is then readable without CORS). */
  canaryAccess?: (url: string) => Promise<boolean>;
  /** Firefox's captivePortal API. */
  captivePortal?: () => Promise<Observations['captivePortal']>;
  online: () => boolean;
  now: () => number;
}

/** Even a failure reported late gets this long to probe. */
const MIN_PROBE_MS = 1500;
/** What a page probe keeps of a body: enough for block-page fingerprints and titles. */
const BODY_LIMIT = 64 * 1024;
/** How long to wait for the browser's webRequest report of a failed fetch (its error) after it settled. */
const REPORT_GRACE_MS = 150;
/**
 * And, once its body is read, for the address an answered one came from. Longer: the address is what
 * proves a sibling loads from the failing name's own address (SNI filtering, not an IP block), and a
 * fresh Firefox on a busy machine was seen reporting it after 150 ms. Only waited when it has not
 * arrived.
 */
const ADDRESS_GRACE_MS = 600;
const MAX_IP_PROBES = 2;
/**
 * The provider's other names, loaded in parallel within the same budget: the engine compares them,
 * and the popup offers those that load as mirrors (issue 9). Six covers every name of all but GMX's
 * and Yandex's many country domains; the rest are shown as not checked, never as working.
 */
const MAX_SIBLINGS = 6;

function headersOf(response: Response | undefined): Record<string, string> | undefined {
  if (!response || response.type === 'opaque' || response.type === 'opaqueredirect') return undefined;
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name.toLowerCase()] ??= value;
  });
  return headers;
}

/**
 * Fetches a URL on a watched host and learns from the browser's own report what happened: the exact
 * error, the IP it connected to, the status and headers of a redirect.
 */
async function pageProbe(env: ProbeEnvironment, url: string, signal: AbortSignal, timeoutMs: number): Promise<PageResult> {
  const id = env.own.open();
  const startedAt = env.now();
  try {
    const result = await timedFetch(env.fetch, markUrl(url, id), { redirect: 'manual', signal, timeoutMs });
    const seen = await env.own.settled(id, REPORT_GRACE_MS);
    const observation: HttpObservation & { ip?: string } = { url, ok: result.ok, elapsedMs: result.elapsedMs };
    if (seen.ip) observation.ip = seen.ip;
    if (!result.ok || !result.response) {
      observation.failure = seen.failure?.class ?? (result.timedOut ? 'timeout' : 'unknown');
      if (seen.failure?.certificate) observation.certificate = seen.failure.certificate;
      return observation;
    }
    const response = result.response;
    const status = response.type === 'opaqueredirect' ? seen.status : response.status;
    if (status !== undefined) observation.status = status;
    const headers = headersOf(response) ?? seen.headers;
    if (headers) {
      observation.headers = headers;
      if (headers.location) observation.location = headers.location;
    }
    // Read within the run's deadline, timed: a page that crawls (throttling) shows as bytes that did
    // arrive, slowly, and the engine compares the rate with the control's. Never more than BODY_LIMIT.
    const body = await readBodyPrefix(response, BODY_LIMIT);
    observation.bodyMs = body.ms;
    observation.bodyEnd = body.end;
    if (body.bytes > 0) {
      observation.body = body.text;
      observation.bodyLength = body.bytes;
      if (body.truncated) observation.bodyTruncated = true;
      const title = pageTitle(body.text);
      if (title) observation.title = title;
    }
    // After the body, so a page that crawls keeps its time; never past the probe's own deadline.
    if (!observation.ip) {
      const late = await env.own.settled(id, Math.min(ADDRESS_GRACE_MS, Math.max(0, startedAt + timeoutMs - env.now())));
      if (late.ip) observation.ip = late.ip;
    }
    return observation;
  } finally {
    env.own.close(id);
  }
}

/**
 * A request to a bare address, for which Detour holds no permission: the browser says only "answered"
 * (an opaque response) or "failed". `no-cors` requests must follow redirects, so a server that
 * redirects to its blocked name fails too: a quick failure proves nothing, only an answer (TCP and
 * HTTP work) or a timeout (nothing gets through) is evidence.
 */
async function addressProbe(env: ProbeEnvironment, url: string, signal: AbortSignal, timeoutMs: number) {
  return timedFetch(env.fetch, url, { mode: 'no-cors', signal, timeoutMs });
}

const addressResult = (r: FetchResult): AddressResult => ({ ok: r.ok, timedOut: r.timedOut, elapsedMs: r.elapsedMs });

/**
 * Measures, in parallel and within the budget; lib/probes/assemble-observations.ts turns what came
 * back into Observations once the run is over, with the failure as it is known by then.
 */
export async function runProbes(request: ProbeRequest, env: ProbeEnvironment, outer?: AbortSignal): Promise<ProbeMeasurements> {
  // The browser knows it has no network: nothing to probe, and nothing to wait for.
  if (!env.online()) return { url: request.url, host: request.host, offline: true, observedAt: env.now() };
  const { settings } = env;
  // The browser's timestamps and the clock can disagree; a start "in the future" must not stretch the budget.
  const startedAt = Math.min(request.startedAt, env.now());
  const deadline = Math.max(startedAt + settings.probeBudgetMs, env.now() + MIN_PROBE_MS);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), deadline - env.now());
  const stop = () => controller.abort();
  outer?.addEventListener('abort', stop);
  const signal = controller.signal;
  const remaining = () => Math.max(1, deadline - env.now());

  const https = new URL(request.url).protocol === 'https:';
  const knownIps = new Set<string>(request.failure?.ip ? [request.failure.ip] : []);

  try {
    const canaries = Promise.all(
      settings.canaries.map(async (c) => checkCanary(env.fetch, c, signal, remaining(), (await env.canaryAccess?.(c.url).catch(() => false)) ?? false)),
    );
    const doh = Promise.all(settings.dohResolvers.map((r) => queryDoh(env.fetch, r, request.host, signal, remaining())));
    const system = env.systemResolve?.(request.host).catch(() => undefined);
    const captive = env.captivePortal?.().catch(() => undefined);
    // Firefox now and then names no cause for a connection reset at once (NS_ERROR_FAILURE, about one
    // time in fifteen in the lab); a second try usually does.
    const retry = pageProbe(env, request.url, signal, remaining()).then((first) =>
      first.failure === 'unknown' && !signal.aborted ? pageProbe(env, request.url, signal, remaining()) : first,
    );
    const plainRoot = https ? pageProbe(env, `http://${request.host}/`, signal, remaining()) : undefined;
    const siblings = Promise.all(
      env.siblings.slice(0, MAX_SIBLINGS).map(async (host): Promise<SiblingObservation> => {
        const r = await pageProbe(env, `https://${host}/`, signal, remaining());
        const s: SiblingObservation = { host, ok: r.ok, elapsedMs: r.elapsedMs ?? 0 };
        if (r.failure) s.failure = r.failure;
        if (r.ip) s.ip = r.ip;
        return s;
      }),
    );
    const controlRequest: ControlRequest = {
      http_request: request.url,
      http_request_headers: {},
      tcp_connect: [...knownIps].map((ip) => endpoint(ip, https ? 443 : 80)),
    };
    const control = askControl(env.fetch, settings.controlUrl, controlRequest, signal, remaining());

    // Reachability of the host's real addresses (as the DoH resolvers give them), once they are known.
    const dohAnswers = await doh;
    const candidates = [...new Set(dohAnswers.flatMap((d) => d.addrs))].filter((ip) => isIp(ip) && !isBogon(ip));
    const ips = [...candidates.filter((ip) => ipFamily(ip) === 4), ...candidates.filter((ip) => ipFamily(ip) === 6)].slice(0, MAX_IP_PROBES);
    const addressResults = Promise.all(
      ips.map(async (ip) => {
        const [httpResult, tlsResult] = await Promise.all([
          addressProbe(env, urlForIp('http', ip), signal, remaining()),
          https ? addressProbe(env, urlForIp('https', ip), signal, remaining()) : undefined,
        ]);
        const result: NonNullable<ProbeMeasurements['addresses']>[number] = { ip, http: addressResult(httpResult) };
        if (tlsResult) result.tls = addressResult(tlsResult);
        return result;
      }),
    );

    const [canaryResults, systemAnswer, captiveState, retryResult, plainResult, siblingResults, controlResult, addresses] =
      await Promise.all([canaries, system, captive, retry, plainRoot, siblings, control, addressResults]);
    const measured: ProbeMeasurements = {
      url: request.url,
      host: request.host,
      observedAt: env.now(),
      canaries: canaryResults,
      doh: dohAnswers,
      retry: retryResult,
      control: controlResult,
      addresses,
    };
    if (systemAnswer) measured.system = systemAnswer;
    if (captiveState) measured.captivePortal = captiveState;
    if (plainResult) measured.plainRoot = plainResult;
    if (env.siblings.length > 0) measured.siblings = siblingResults;
    return measured;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', stop);
  }
}
