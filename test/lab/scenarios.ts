/**
 * The named lab scenarios, shared by the e2e tests and the benchmark. Each one sets the lab up (ISP
 * resolver zone, honest zone behind DoH and the control, servers, firewall), says what the browser
 * reports when it visits the watched URL, and what Detour's engine must conclude: the verdict
 * expectations are the product's contract.
 *
 *   const lab = await startLab();
 *   const s = SCENARIOS['tls-sni-reset'];
 *   await applyScenario(lab, s);                   // reset + setup: 50-300 ms (offline ~1 s)
 *   await browser.navigate(s.url);
 *   // browser error: s.browsers.chromium / s.browsers.firefox; verdict: s.verdict
 *
 * Every censor here spares the control's source address (see lab.ts), so the control sees the honest
 * lab internet while the browser sees the censored one; "down" (site-down) is down for both.
 *
 * ## Measured browser outcomes (Chromium 156 / Firefox ESR 153, stand-in extension, this lab)
 * Main-frame webRequest.onErrorOccurred `error` (webNavigation gives the same string on Chromium; on
 * Firefox it gives `Error code <nsresult>`, shown in the last column). Checked by test/e2e/lab-browsers.test.ts.
 * | scenario         | Chromium                              | Firefox webRequest                          | Firefox webNavigation |
 * |------------------|---------------------------------------|---------------------------------------------|-----------------------|
 * | ok               | no error, 200                         | no error, 200                               | completed             |
 * | dns-nxdomain     | net::ERR_NAME_NOT_RESOLVED            | NS_ERROR_UNKNOWN_HOST                       | Error code 2152398878 |
 * | dns-bogon        | net::ERR_CONNECTION_REFUSED           | NS_ERROR_CONNECTION_REFUSED                 | Error code 2152398861 |
 * | dns-blockpage    | net::ERR_CERT_COMMON_NAME_INVALID     | localized: "Unable to communicate securely with peer: requested domain name does not match the server’s certificate." (ru: "Не удалось установить защищённое соединение с этим узлом: запрошенное имя домена не соответствует указанному в сертификате сервера.") | Error code 2153394164 (SSL_ERROR_BAD_CERT_DOMAIN) |
 * | tcp-blackhole    | nothing within 6 s (ERR_CONNECTION_TIMED_OUT after ~134 s) | NS_ERROR_NET_TIMEOUT after network.http.connection-timeout (3 s in the self-test) | Error code 2152398862 |
 * | tcp-reset        | net::ERR_CONNECTION_RESET             | NS_ERROR_NET_RESET                          | Error code 2152398868 |
 * | tcp-refused      | net::ERR_CONNECTION_REFUSED           | NS_ERROR_CONNECTION_REFUSED                 | Error code 2152398861 |
 * | tls-sni-reset    | net::ERR_CONNECTION_RESET             | NS_ERROR_NET_RESET                          | Error code 2152398868 |
 * | tls-sni-drop     | nothing within the stall time (4 s)   | the same                                    | nothing               |
 * | tls-sni-reset-late | nothing within the stall time; net::ERR_CONNECTION_RESET later (it retries the handshake) | nothing within the stall time (it retries the handshake) | nothing |
 * | http-451         | no error, 451                         | no error, 451                               | completed             |
 * | tls-interception | net::ERR_CERT_AUTHORITY_INVALID       | localized: "Peer’s Certificate issuer is not recognized." (ru: "Издатель сертификата узла не распознан.") | Error code 2153390067 (SEC_ERROR_UNKNOWN_ISSUER) |
 * | site-down        | net::ERR_CONNECTION_REFUSED           | NS_ERROR_CONNECTION_REFUSED                 | Error code 2152398861 |
 * | site-503         | no error, 503                         | no error, 503                               | completed             |
 * | network-down     | net::ERR_NAME_NOT_RESOLVED (~2 s)     | NS_ERROR_UNKNOWN_HOST (~1 s)                | Error code 2152398878 |
 * | offline          | net::ERR_INTERNET_DISCONNECTED (~2 s) | NS_ERROR_UNKNOWN_HOST (~2 s; not NS_ERROR_OFFLINE, even with network.manage-offline-status on) | Error code 2152398878 |
 * | captive-portal   | net::ERR_CERT_COMMON_NAME_INVALID     | as dns-blockpage (localized name mismatch)  | Error code 2153394164 |
 * | broken-proxy     | net::ERR_PROXY_CONNECTION_FAILED      | NS_ERROR_PROXY_CONNECTION_REFUSED           | Error code 2152398920 |
 * | throttled        | no error; onResponseStarted 200 (~250 ms) and committed (~270 ms), onCompleted only after ~75 s | the same: started ~90 ms, committed ~225 ms | committed, not completed |
 * Firefox often reports `Error code 2152398850` (NS_BINDING_ABORTED) to webNavigation just before the
 * real outcome, on the first navigation of a tab and around proxy failures: ignore it, as ERR_ABORTED.
 * Navigations that are still hanging when the next one starts end with net::ERR_ABORTED on Chromium.
 */
import type { CensorshipMethod, LocalCause, VerdictKind } from '../../engine/types';
import type { Settings } from '../../lib/settings';
import type { ZoneAnswer } from './dns-server';
import type { Lab } from './lab';
import { LAB_CANARIES, LAB_NAMES, LAB_SITE_TITLE } from './lab';
import type { LabProxy } from './lab-browser';
import { resetOnAccept, type ConnectionHandler } from './listener';
import { LAB_DOH_PORT, LAB_IPS, LAB_LOOPBACK, LAB_SINKHOLE_IP, setUplink } from './network';
import { sniFilter, type SniFilterOptions } from './sni-filter';
import {
  canary,
  httpHandler,
  httpsHandler,
  page,
  sinkholeIframePage,
  startBlockPageServer,
  startCaptivePortal,
  tricklePage,
  unavailableForLegalReasons,
} from './sites';

export type ScenarioName =
  | 'ok'
  | 'dns-nxdomain'
  | 'dns-bogon'
  | 'dns-blockpage'
  | 'dns-blockpage-plain'
  | 'tcp-blackhole'
  | 'tcp-reset'
  | 'tcp-refused'
  | 'tls-sni-reset'
  | 'tls-sni-drop'
  | 'tls-sni-reset-late'
  | 'throttled'
  | 'http-451'
  | 'tls-interception'
  | 'site-down'
  | 'site-503'
  | 'network-down'
  | 'offline'
  | 'captive-portal'
  | 'broken-proxy';

/** What one browser reports for the main-frame request to the scenario's URL. */
export type BrowserOutcome =
  /** The page loads with this status (webRequest.onCompleted). */
  | { kind: 'loads'; status: number }
  /** webRequest.onErrorOccurred with `error` (and, on Firefox, webNavigation's `Error code N`). */
  | { kind: 'error'; error: string | RegExp; navigationError?: string }
  /** Nothing for a long time (a connect timeout): `error` arrives after about `afterMs`. */
  | { kind: 'hangs'; error: string; afterMs: number }
  /** Nothing within Detour's stall time; what the browser would report much later is not measured. */
  | { kind: 'stalls' }
  /**
   * The answer starts (headers, then the first bytes: the navigation commits) and is still arriving
   * after Detour's stall time; it completes with `status` after about `afterMs`.
   */
  | { kind: 'trickles'; status: number; afterMs: number };

export interface ExpectedVerdict {
  kind: VerdictKind;
  method?: CensorshipMethod;
  localCause?: LocalCause;
  /** A block-page fingerprint must have matched. */
  confirmed?: boolean;
}

export interface Scenario {
  name: ScenarioName;
  description: string;
  /** One line: why the verdict is the right one. */
  reasoning: string;
  /** The URL the browser visits: always the watched site over HTTPS. */
  url: string;
  setup(lab: Lab): Promise<void>;
  /** What the browser must be launched with for this scenario (the proxy, Firefox prefs). */
  launch?: { proxy?: LabProxy; firefoxPrefs?: Record<string, string | number | boolean> };
  browsers: { chromium: BrowserOutcome; firefox: BrowserOutcome };
  verdict: ExpectedVerdict;
  /**
   * Where one browser can honestly see less, what Detour must conclude there instead, and why. The
   * kind never differs; only how precisely the method can be named.
   */
  verdictIn?: Partial<Record<'chromium' | 'firefox', ExpectedVerdict & { why: string }>>;
}

/** The verdict a scenario expects in one browser. */
export function expectedVerdict(scenario: Scenario, browser: 'chromium' | 'firefox'): ExpectedVerdict {
  const special = scenario.verdictIn?.[browser];
  if (!special) return scenario.verdict;
  const { why: _why, ...verdict } = special;
  return verdict;
}

export const LAB_SITE_URL = `https://${LAB_NAMES.site}/`;

/** A proxy address where nothing listens: the broken-proxy scenario launches the browser with it. */
export const LAB_BROKEN_PROXY: LabProxy = { host: LAB_LOOPBACK.proxy, port: 3128 };

/** Where the control service listens in the lab (server default port). */
export const LAB_CONTROL_URL = `http://${LAB_LOOPBACK.control}:8080`;

/**
 * The extension settings that point Detour at the lab: lab DoH, lab canaries, lab control. Apply with
 * `sendMessage({ type: 'set-settings', settings })`.
 */
export function labExtensionSettings(lab: Pick<Lab, 'doh'>, controlUrl = LAB_CONTROL_URL): Partial<Settings> {
  return { dohResolvers: [lab.doh.url], canaries: LAB_CANARIES.map((c) => ({ ...c })), controlUrl };
}

// --- Building blocks ----------------------------------------------------------------------------------

export interface InternetOptions {
  /** The ISP resolver's answer for the site's names; default: the truth. */
  ispSite?: ZoneAnswer;
  /** What answers on the site's 443 / 80; default the honest site; null: nothing listens (refused). */
  siteHttps?: ConnectionHandler | null;
  siteHttp?: ConnectionHandler | null;
}

/**
 * The lab internet as it really is: both zones hold the truth, the site serves HTTPS and HTTP, the
 * canaries answer. Scenarios call it and then break one thing.
 */
export async function internet(lab: Lab, options: InternetOptions = {}): Promise<void> {
  const truth: Array<[string, string]> = [
    [LAB_NAMES.site, LAB_IPS.site],
    ...LAB_NAMES.siteAliases.map((name): [string, string] => [name, LAB_IPS.site]),
    [LAB_NAMES.plainSite, LAB_IPS.site],
    [LAB_NAMES.unwatched, LAB_IPS.site],
    [LAB_NAMES.canaryA, LAB_IPS.canaryA],
    [LAB_NAMES.canaryB, LAB_IPS.canaryB],
    [LAB_NAMES.blockPage, LAB_IPS.blockPage],
    [LAB_NAMES.portal, LAB_IPS.portal],
  ];
  for (const [name, ip] of truth) {
    lab.honest.set(name, { addrs: [ip] });
    lab.isp.set(name, { addrs: [ip] });
  }
  if (options.ispSite) {
    for (const name of [LAB_NAMES.site, ...LAB_NAMES.siteAliases]) lab.isp.set(name, options.ispSite);
  }
  await Promise.all([
    options.siteHttps !== null && lab.listen(LAB_IPS.site, 443, options.siteHttps ?? lab.site.https),
    options.siteHttp !== null && lab.listen(LAB_IPS.site, 80, options.siteHttp ?? lab.site.http),
    lab.listen(LAB_IPS.canaryA, 80, httpHandler(canary('success'))),
    lab.listen(LAB_IPS.canaryB, 80, httpHandler(canary('204'))),
  ]);
}

/**
 * The lab internet with an SNI filter before the site's HTTPS for the browser (the control is not
 * filtered): the listed names (login.mailbox.org, mailbox.org) get `how`, a reset by default; the
 * provider's other names on the same address pass.
 */
function filterListedNames(lab: Lab, how: Pick<SniFilterOptions, 'action' | 'resetAfterMs'> = {}): Promise<void> {
  const filter = sniFilter({ blocked: [LAB_NAMES.site, LAB_NAMES.siteDomain], pass: lab.site.https, ...how });
  return internet(lab, { siteHttps: lab.censor(filter, lab.site.https) });
}

/**
 * The user's uplink is dead but the link is up: the ISP resolver never answers, and every lab address
 * and loopback helper (DoH, control) answers with ICMP host-unreachable, as a home router with no
 * upstream does. Fast to fail (no connect timeouts) and faithful for everything the browser can see.
 * The control itself is spared (firewall exemption): only the user is cut off.
 */
export async function cutUplink(lab: Lab): Promise<void> {
  await lab.firewall.addAll([
    { dst: LAB_LOOPBACK.ispResolver, port: 53, proto: 'udp', action: 'drop' },
    { dst: LAB_LOOPBACK.ispResolver, port: 53, proto: 'tcp', action: 'drop' },
    { dst: LAB_LOOPBACK.doh, port: LAB_DOH_PORT, proto: 'tcp', action: 'unreachable' },
    { dst: LAB_LOOPBACK.control, proto: 'all', action: 'unreachable' },
    ...[LAB_IPS.site, LAB_IPS.blockPage, LAB_IPS.portal, LAB_IPS.canaryA, LAB_IPS.canaryB, LAB_SINKHOLE_IP].map(
      (dst) => ({ dst, proto: 'all', action: 'unreachable' }) as const,
    ),
  ]);
}

/** The throttled scenario's page: large enough that 4 KiB/s shows (75 s), as a webmail's first page is. */
export const THROTTLED_PAGE_BYTES = 300 * 1024;

const chromiumError = (error: string): BrowserOutcome => ({ kind: 'error', error });
const firefoxError = (error: string | RegExp, navigationError?: string): BrowserOutcome => ({ kind: 'error', error, navigationError });

// Firefox gives webRequest a localized sentence for certificate errors (en and ru below); webNavigation
// gives the stable nsresult, which is what an engine should key on.
const FIREFOX_BAD_CERT_DOMAIN = /requested domain name does not match the server’s certificate|запрошенное имя домена не соответствует/;
const FIREFOX_UNKNOWN_ISSUER = /Certificate issuer is not recognized|Издатель сертификата узла не распознан/;

// --- The table ----------------------------------------------------------------------------------------

const list: Scenario[] = [
  {
    name: 'ok',
    description: 'Nothing is blocked: the site loads over HTTPS.',
    reasoning: 'The final response arrived over TLS with a valid certificate: accessible, whatever else happened.',
    url: LAB_SITE_URL,
    setup: (lab) => internet(lab),
    browsers: { chromium: { kind: 'loads', status: 200 }, firefox: { kind: 'loads', status: 200 } },
    verdict: { kind: 'ok' },
  },
  {
    name: 'dns-nxdomain',
    description: 'The ISP resolver answers NXDOMAIN for the site; DoH and the control resolve it.',
    reasoning: 'System DNS fails while DoH and the control resolve the name and the site answers them: DNS blocking.',
    url: LAB_SITE_URL,
    setup: (lab) => internet(lab, { ispSite: { rcode: 'NXDOMAIN' } }),
    browsers: {
      chromium: chromiumError('net::ERR_NAME_NOT_RESOLVED'),
      firefox: firefoxError('NS_ERROR_UNKNOWN_HOST', 'Error code 2152398878'),
    },
    verdict: { kind: 'censorship', method: 'dns' },
  },
  {
    name: 'dns-bogon',
    description: `The ISP resolver answers ${LAB_SINKHOLE_IP} (Iran-style sinkhole: iframe block page on 80, nothing on 443).`,
    reasoning: 'The only system answer is a bogon the control never returns: DNS blocking, even before any connect.',
    url: LAB_SITE_URL,
    async setup(lab) {
      await internet(lab, { ispSite: { addrs: [LAB_SINKHOLE_IP] } });
      await lab.listen(LAB_SINKHOLE_IP, 80, httpHandler(sinkholeIframePage()));
    },
    browsers: {
      chromium: chromiumError('net::ERR_CONNECTION_REFUSED'),
      firefox: firefoxError('NS_ERROR_CONNECTION_REFUSED', 'Error code 2152398861'),
    },
    verdict: { kind: 'censorship', method: 'dns' },
    verdictIn: {
      chromium: {
        kind: 'censorship',
        method: 'tcp_ip',
        why: 'Chromium names no address for a refused connect and offers no DNS API, and HSTS keeps a plain-HTTP probe off the sinkhole: Detour sees a refused connect to a site the control reaches.',
      },
    },
  },
  {
    name: 'dns-blockpage',
    description:
      'The ISP resolver points the site at its block-page server (200, fingerprint ooni.ru_30 on 80; its own certificate on 443). mailbox.org is HSTS-preloaded, so no browser ever requests the page over plain HTTP.',
    reasoning:
      "The system resolver's answer matches neither encrypted DNS nor the control, and the server there presents another site's certificate: DNS blocking. The block page itself stays unseen behind HSTS.",
    url: LAB_SITE_URL,
    async setup(lab) {
      await internet(lab, { ispSite: { addrs: [LAB_IPS.blockPage] } });
      lab.track(await startBlockPageServer({ host: LAB_IPS.blockPage, tls: lab.certs.blockPage }));
    },
    browsers: {
      chromium: chromiumError('net::ERR_CERT_COMMON_NAME_INVALID'),
      firefox: firefoxError(FIREFOX_BAD_CERT_DOMAIN, 'Error code 2153394164'),
    },
    verdict: { kind: 'censorship', method: 'dns' },
    verdictIn: {
      chromium: {
        kind: 'censorship',
        method: 'interception',
        why: "Chromium names no address for a certificate error and has no DNS API: Detour sees only another site's certificate where the control validates the real one.",
      },
    },
  },
  {
    name: 'dns-blockpage-plain',
    description:
      'As dns-blockpage, for Systemli (not HSTS-preloaded): the ISP resolver points mail.systemli.org at the block-page server, which serves the fingerprinted page over plain HTTP.',
    reasoning: "Plain HTTP to the site's own name returns a page matching a RU ISP block-page fingerprint: confirmed blocking by block page.",
    url: `https://${LAB_NAMES.plainSite}/`,
    async setup(lab) {
      await internet(lab);
      lab.isp.set(LAB_NAMES.plainSite, { addrs: [LAB_IPS.blockPage] });
      lab.track(await startBlockPageServer({ host: LAB_IPS.blockPage, tls: lab.certs.blockPage }));
    },
    browsers: {
      chromium: chromiumError('net::ERR_CERT_COMMON_NAME_INVALID'),
      firefox: firefoxError(FIREFOX_BAD_CERT_DOMAIN, 'Error code 2153394164'),
    },
    verdict: { kind: 'censorship', method: 'blockpage', confirmed: true },
    verdictIn: {
      firefox: {
        kind: 'censorship',
        method: 'dns',
        why: "Firefox upgrades the plain-HTTP probe of mail.systemli.org to HTTPS too, so the page stays unseen; its DNS API shows the system resolver's answer disagreeing with encrypted DNS and the control.",
      },
    },
  },
  {
    name: 'tcp-blackhole',
    description: "SYNs to the site's IP (80 and 443) are dropped for the user; the control connects.",
    reasoning: 'TCP connect times out at the user while the control connects: IP blocking (tcp_ip).',
    url: LAB_SITE_URL,
    async setup(lab) {
      await internet(lab);
      await lab.firewall.addAll([
        { dst: LAB_IPS.site, port: 443, action: 'drop-syn' },
        { dst: LAB_IPS.site, port: 80, action: 'drop-syn' },
      ]);
    },
    browsers: {
      chromium: { kind: 'hangs', error: 'net::ERR_CONNECTION_TIMED_OUT', afterMs: 134_000 },
      // 90 s is Firefox's default network.http.connection-timeout; launchFirefox({connectTimeoutSeconds}) shortens it.
      firefox: { kind: 'hangs', error: 'NS_ERROR_NET_TIMEOUT', afterMs: 90_000 },
    },
    verdict: { kind: 'censorship', method: 'tcp_ip' },
  },
  {
    name: 'tcp-reset',
    description: "Every connection to the site's IP (80 and 443) is reset right after it is accepted, whatever the SNI.",
    reasoning:
      "The TCP handshake completes and the first data is reset, on every port, while the control gets the page. OONI calls a failure after the connect http-failure; a browser cannot tell this reset from an SNI reset (it may not see a request to a bare address fail), so it must not claim more.",
    url: LAB_SITE_URL,
    setup: (lab) =>
      internet(lab, { siteHttps: lab.censor(resetOnAccept, lab.site.https), siteHttp: lab.censor(resetOnAccept, lab.site.http) }),
    browsers: {
      chromium: chromiumError('net::ERR_CONNECTION_RESET'),
      // About one time in fifteen Firefox names no cause for a reset right after the TCP handshake
      // (NS_ERROR_FAILURE; webNavigation: Error code 2147500037). Never seen for a reset after the
      // ClientHello (tls-sni-reset).
      firefox: firefoxError(/^NS_ERROR_(NET_RESET|FAILURE)$/, 'Error code 2152398868'),
    },
    verdict: { kind: 'censorship', method: 'http-failure' },
  },
  {
    name: 'tcp-refused',
    description: "The user's SYNs to the site's IP get a RST (looks exactly like a closed port); the control connects.",
    reasoning:
      'Refused is ambiguous on its own (a closed port looks the same), but the control connects to the same IP:port at the same time: tcp_ip blocking, with less confidence than a timeout.',
    url: LAB_SITE_URL,
    async setup(lab) {
      await internet(lab);
      await lab.firewall.addAll([
        { dst: LAB_IPS.site, port: 443, action: 'reset' },
        { dst: LAB_IPS.site, port: 80, action: 'reset' },
      ]);
    },
    browsers: {
      chromium: chromiumError('net::ERR_CONNECTION_REFUSED'),
      firefox: firefoxError('NS_ERROR_CONNECTION_REFUSED', 'Error code 2152398861'),
    },
    verdict: { kind: 'censorship', method: 'tcp_ip' },
  },
  {
    name: 'tls-sni-reset',
    description:
      "Reset after the ClientHello when the SNI is a listed name (login.mailbox.org, mailbox.org: Russia's TSPU works from a list); the provider's other names on the same IP, plain HTTP and a bare-IP handshake still work.",
    reasoning:
      'TLS with the listed name is reset while the control handshakes, and another of the provider\'s names loads over TLS from the same address: the name is what is filtered (SNI), method tls.',
    url: LAB_SITE_URL,
    setup: (lab) => filterListedNames(lab),
    browsers: {
      chromium: chromiumError('net::ERR_CONNECTION_RESET'),
      firefox: firefoxError('NS_ERROR_NET_RESET', 'Error code 2152398868'),
    },
    verdict: { kind: 'censorship', method: 'tls' },
  },
  {
    name: 'tls-sni-drop',
    description:
      "The ClientHello with a listed name is dropped and the connection left hanging (Russia's TLS-timeout variant); the provider's other names on the same IP, plain HTTP and a bare-IP handshake still work.",
    reasoning:
      'The page stalls after the TCP connect: another of the provider\'s names loads over TLS from the same address and the control handshakes, so the named handshake is what hangs (SNI), method tls, not a TCP timeout.',
    url: LAB_SITE_URL,
    setup: (lab) => filterListedNames(lab, { action: 'silent' }),
    browsers: { chromium: { kind: 'stalls' }, firefox: { kind: 'stalls' } },
    verdict: { kind: 'censorship', method: 'tls' },
  },
  {
    name: 'tls-sni-reset-late',
    description:
      "The ClientHello with a listed name is held 3 s, then reset; the provider's other names on the same IP, plain HTTP and a bare-IP handshake still work.",
    reasoning:
      "The connect succeeds and the named handshake fails only after a wait (Firefox retries it, so the page hangs for longer than the stall time): another of the provider's names loads over TLS from the same address and the control handshakes, so it is the name that is filtered, method tls, not a TCP timeout.",
    url: LAB_SITE_URL,
    setup: (lab) => filterListedNames(lab, { resetAfterMs: 3000 }),
    browsers: { chromium: { kind: 'stalls' }, firefox: { kind: 'stalls' } },
    verdict: { kind: 'censorship', method: 'tls' },
  },
  {
    name: 'throttled',
    description:
      "The site's connections (443 and 80) are accepted and TLS completes, but its 300 KB page arrives at 4 KiB/s for the user (Russia's throttling of Twitter, March 2021); the control gets it at full speed.",
    reasoning:
      'The connection is up and the first bytes came, but the page flows at a small fraction of the rate the control fetched it at: throttling, not an IP block (nothing failed to connect).',
    url: LAB_SITE_URL,
    setup(lab) {
      const slow = tricklePage({ title: LAB_SITE_TITLE, bytes: THROTTLED_PAGE_BYTES });
      const fast = tricklePage({ title: LAB_SITE_TITLE, bytes: THROTTLED_PAGE_BYTES, chunk: THROTTLED_PAGE_BYTES });
      return internet(lab, {
        siteHttps: lab.censor(httpsHandler(lab.certs.site, slow), httpsHandler(lab.certs.site, fast)),
        siteHttp: lab.censor(httpHandler(slow), httpHandler(fast)),
      });
    },
    browsers: {
      chromium: { kind: 'trickles', status: 200, afterMs: 75_000 },
      firefox: { kind: 'trickles', status: 200, afterMs: 75_000 },
    },
    verdict: { kind: 'censorship', method: 'throttling' },
  },
  {
    name: 'http-451',
    description: 'The site answers the user 451 Unavailable For Legal Reasons (HTTPS with a valid certificate, and HTTP); the control gets 200.',
    reasoning: 'An explicit legal-block status on an authenticated connection, while the control gets the page: http-451.',
    url: LAB_SITE_URL,
    setup(lab) {
      const answer = unavailableForLegalReasons();
      return internet(lab, {
        siteHttps: lab.censor(httpsHandler(lab.certs.site, answer), lab.site.https),
        siteHttp: lab.censor(httpHandler(answer), lab.site.http),
      });
    },
    browsers: { chromium: { kind: 'loads', status: 451 }, firefox: { kind: 'loads', status: 451 } },
    verdict: { kind: 'censorship', method: 'http-451' },
  },
  {
    name: 'tls-interception',
    description: "The user's TLS to the site is intercepted: a certificate for the site's names from a CA the browser does not trust.",
    reasoning:
      'An unknown-issuer certificate for the right name at the right IP, while the control validates the real one: TLS interception.',
    url: LAB_SITE_URL,
    setup: (lab) =>
      internet(lab, { siteHttps: lab.censor(httpsHandler(lab.certs.intercepted, page({ title: LAB_SITE_TITLE })), lab.site.https) }),
    browsers: {
      chromium: chromiumError('net::ERR_CERT_AUTHORITY_INVALID'),
      firefox: firefoxError(FIREFOX_UNKNOWN_ISSUER, 'Error code 2153390067'),
    },
    verdict: { kind: 'censorship', method: 'interception' },
  },
  {
    name: 'site-down',
    description: "Nothing listens on the site's IP (80 and 443): refused for the user and for the control alike.",
    reasoning: 'The control fails the same way at the same step: the site is down, not blocked.',
    url: LAB_SITE_URL,
    setup: (lab) => internet(lab, { siteHttps: null, siteHttp: null }),
    browsers: {
      chromium: chromiumError('net::ERR_CONNECTION_REFUSED'),
      firefox: firefoxError('NS_ERROR_CONNECTION_REFUSED', 'Error code 2152398861'),
    },
    verdict: { kind: 'outage' },
  },
  {
    name: 'site-503',
    description: "The provider's own server answers 503 Service Unavailable over valid HTTPS, to the user and to the control alike.",
    reasoning: "The real server (its certificate verified) says it is broken, and says so to the outside too: an outage, told without \"check again\".",
    url: LAB_SITE_URL,
    setup(lab) {
      const answer = page({ status: 503, title: 'Service Unavailable' });
      return internet(lab, { siteHttps: httpsHandler(lab.certs.site, answer), siteHttp: httpHandler(answer) });
    },
    browsers: { chromium: { kind: 'loads', status: 503 }, firefox: { kind: 'loads', status: 503 } },
    verdict: { kind: 'outage' },
  },
  {
    name: 'network-down',
    description: "The user's uplink is dead (link still up): the ISP resolver never answers; every lab address, DoH and the control are unreachable.",
    reasoning: 'The canaries, DoH and the control fail too: the problem is the local network, not the site.',
    url: LAB_SITE_URL,
    async setup(lab) {
      await internet(lab);
      await cutUplink(lab);
    },
    browsers: {
      chromium: chromiumError('net::ERR_NAME_NOT_RESOLVED'),
      firefox: firefoxError('NS_ERROR_UNKNOWN_HOST', 'Error code 2152398878'),
    },
    verdict: { kind: 'local', localCause: 'network' },
  },
  {
    name: 'offline',
    description: "The user's LAN link is down (Wi-Fi off): as network-down, and the browser itself knows it is offline.",
    reasoning: 'The browser reports itself offline and nothing answers: offline.',
    url: LAB_SITE_URL,
    async setup(lab) {
      await internet(lab);
      await cutUplink(lab);
      await setUplink('down');
    },
    launch: { firefoxPrefs: { 'network.manage-offline-status': true } },
    browsers: {
      chromium: chromiumError('net::ERR_INTERNET_DISCONNECTED'),
      firefox: firefoxError('NS_ERROR_UNKNOWN_HOST', 'Error code 2152398878'),
    },
    verdict: { kind: 'local', localCause: 'offline' },
  },
  {
    name: 'captive-portal',
    description:
      'A hotel captive portal: the ISP resolver answers every name (site, canaries) with the portal, which redirects HTTP to its login page and shows its own certificate on 443; DoH and the control are blocked.',
    reasoning: 'The canaries come back as redirects to a login page instead of their known bodies: a captive portal, not censorship.',
    url: LAB_SITE_URL,
    async setup(lab) {
      await internet(lab);
      lab.isp.clear();
      lab.isp.setDefault({ addrs: [LAB_IPS.portal] });
      lab.track(
        await startCaptivePortal({ host: LAB_IPS.portal, tls: lab.certs.portal, loginUrl: `http://${LAB_NAMES.portal}/login` }),
      );
      await lab.firewall.addAll([
        { dst: LAB_LOOPBACK.doh, port: LAB_DOH_PORT, action: 'reset' },
        { dst: LAB_LOOPBACK.control, action: 'reset' },
      ]);
    },
    browsers: {
      chromium: chromiumError('net::ERR_CERT_COMMON_NAME_INVALID'),
      firefox: firefoxError(FIREFOX_BAD_CERT_DOMAIN, 'Error code 2153394164'),
    },
    verdict: { kind: 'local', localCause: 'captive-portal' },
  },
  {
    name: 'broken-proxy',
    description: `The browser is set to use an HTTP proxy at ${LAB_BROKEN_PROXY.host}:${LAB_BROKEN_PROXY.port} where nothing listens; the internet itself is fine.`,
    reasoning: 'The browser reports a proxy failure and the site, canaries and control are fine without the proxy: the proxy is the problem.',
    url: LAB_SITE_URL,
    setup: (lab) => internet(lab),
    launch: { proxy: LAB_BROKEN_PROXY },
    browsers: {
      chromium: chromiumError('net::ERR_PROXY_CONNECTION_FAILED'),
      firefox: firefoxError('NS_ERROR_PROXY_CONNECTION_REFUSED', 'Error code 2152398920'),
    },
    verdict: { kind: 'local', localCause: 'proxy' },
  },
];

export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = Object.freeze(
  Object.fromEntries(list.map((s) => [s.name, s])) as Record<ScenarioName, Scenario>,
);

export const SCENARIO_NAMES: readonly ScenarioName[] = list.map((s) => s.name);

/** Resets the lab and sets the scenario up; returns how long the switch took (ms). */
export async function applyScenario(lab: Lab, scenario: Scenario): Promise<number> {
  const started = performance.now();
  await lab.reset();
  await scenario.setup(lab);
  return performance.now() - started;
}
