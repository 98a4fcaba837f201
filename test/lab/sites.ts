/**
 * What the lab's servers say once a connection is through: the real site's page, a 451, an ISP block
 * page, a captive portal, a canary. Each is an HTTP request listener; httpHandler()/httpsHandler() turn
 * one into a ConnectionHandler so it can sit behind a censor (listener.ts, sni-filter.ts), and the
 * start*() functions at the bottom listen on an IP:port directly for the simple cases.
 *
 * Every answer carries `Cache-Control: no-store`: a scenario switch must never be hidden by the
 * browser's HTTP cache.
 */
import http from 'node:http';
import https from 'node:https';
import type { KeyPair } from './pki';
import { closeAll, listen, type Closable, type ConnectionHandler, type Listener } from './listener';

export type RequestListener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** Serves HTTP/1.1 on every connection handed to it. */
export function httpHandler(onRequest: RequestListener): ConnectionHandler {
  const server = http.createServer({ keepAlive: true }, onRequest);
  server.on('clientError', (_err, socket) => socket.destroy());
  return (socket) => server.emit('connection', socket);
}

/** Completes a TLS handshake with `tls` (HTTP/1.1 over ALPN) and serves HTTP on it. */
export function httpsHandler(tls: Pick<KeyPair, 'cert' | 'key'>, onRequest: RequestListener): ConnectionHandler {
  const server = https.createServer({ cert: tls.cert, key: tls.key, ALPNProtocols: ['http/1.1'] }, onRequest);
  // A client refusing our certificate (the interception scenarios) aborts the handshake: expected.
  server.on('tlsClientError', (_err, socket) => socket.destroy());
  server.on('clientError', (_err, socket) => socket.destroy());
  return (socket) => server.emit('connection', socket);
}

const NO_STORE = { 'cache-control': 'no-store' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

// --- Pages --------------------------------------------------------------------------------------------

export interface PageOptions {
  /** The page's <title>; the engine compares titles with the control's. */
  title?: string;
  /** Extra response headers, e.g. `{ 'onion-location': 'http://…onion/' }`. */
  headers?: Record<string, string>;
  status?: number;
  /** Replaces the generated HTML body. */
  body?: string;
}

/** The real site: a small HTML page with a title, answered for any path. */
export function page(options: PageOptions = {}): RequestListener {
  const title = options.title ?? 'Detour Lab Mail';
  const body =
    options.body ??
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
      `<body><h1>${escapeHtml(title)}</h1><p>Sign in to read your mail.</p></body></html>\n`;
  return (req, res) => {
    res.writeHead(options.status ?? 200, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      ...NO_STORE,
      ...options.headers,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}

/**
 * The real site's page, made large (`bytes`, padded with text after the title) and sent the way a
 * throttling censor lets it through: the headers at once, then the body `chunk` bytes at a time every
 * `everyMs` (the default 1 KiB every 250 ms is 4 KiB/s, about what Russia let through to Twitter in
 * March 2021). The connection and TLS are untouched: only the rate is.
 */
export function tricklePage(options: { title: string; bytes: number; chunk?: number; everyMs?: number; headers?: Record<string, string> }): RequestListener {
  const head =
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(options.title)}</title></head>` +
    `<body><h1>${escapeHtml(options.title)}</h1><p>Sign in to read your mail.</p>\n`;
  const line = '<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.</p>\n';
  const tail = '</body></html>\n';
  const body = Buffer.from(head + line.repeat(Math.max(0, Math.ceil((options.bytes - head.length - tail.length) / line.length))) + tail);
  const chunk = options.chunk ?? 1024;
  const everyMs = options.everyMs ?? 250;
  return (req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length, ...NO_STORE, ...options.headers });
    if (req.method === 'HEAD') return void res.end();
    let sent = 0;
    const send = () => {
      if (res.destroyed) return clearInterval(timer);
      res.write(body.subarray(sent, sent + chunk));
      sent += chunk;
      if (sent >= body.length) {
        clearInterval(timer);
        res.end();
      }
    };
    const timer = setInterval(send, everyMs);
    res.on('close', () => clearInterval(timer));
    send();
  };
}

/** RFC 7725: 451 with the `Link: rel="blocked-by"` header and an explanatory page, as the RFC shows it. */
export function unavailableForLegalReasons(options: { blockedBy?: string } = {}): RequestListener {
  const blockedBy = options.blockedBy ?? 'https://regulator.detour-lab.test';
  const body =
    '<!doctype html><html><head><meta charset="utf-8"><title>Unavailable For Legal Reasons</title></head>' +
    '<body><h1>Unavailable For Legal Reasons</h1>' +
    '<p>This request may not be serviced in your country due to a legal demand from the telecommunications regulator.</p>' +
    '</body></html>\n';
  return page({ status: 451, body, headers: { link: `<${blockedBy}>; rel="blocked-by"` } });
}

/**
 * The fingerprint the ISP block page matches in data/blocking-fingerprints/fingerprints_http.csv:
 * `ooni.ru_30,isp,...,body,contains,TTK :: Доступ к ресурсу ограничен,5,RU` (TransTeleCom's RKN page).
 */
export const LAB_BLOCKPAGE_FINGERPRINT = { name: 'ooni.ru_30', pattern: 'TTK :: Доступ к ресурсу ограничен', country: 'RU' } as const;

/** A Russian ISP block page, served with 200 as the real ones are (the "DNS points to a block page" case). */
export function ispBlockPage(): RequestListener {
  const body =
    '<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8">' +
    `<title>${LAB_BLOCKPAGE_FINGERPRINT.pattern}</title></head><body>` +
    '<h1>Доступ к ресурсу ограничен</h1>' +
    '<p>Доступ к запрашиваемому ресурсу ограничен на основании Федерального закона от 27.07.2006 № 149-ФЗ ' +
    '«Об информации, информационных технологиях и о защите информации».</p>' +
    '<p>Проверить наличие ресурса в реестре можно на сайте Роскомнадзора.</p></body></html>\n';
  return page({ body });
}

/**
 * Iran's 10.10.34.x sinkhole answer: an iframe to the national block page (fingerprint `ooni.ir_0`,
 * body contains `iframe src="http://10.10`).
 */
export function sinkholeIframePage(): RequestListener {
  const body =
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1256"><title>M1-6</title></head>' +
    '<body><iframe src="http://10.10.34.34?type=Invalid Site&policy=MainPolicy" style="width: 100%; height: 100%" ' +
    'scrolling="no" marginwidth="0" marginheight="0" frameborder="0" vspace="0" hspace="0"></iframe></body></html>\n';
  return page({ body });
}

/**
 * A hotel-Wi-Fi captive portal: whatever the Host and path, a 302 to its login page (mode `redirect`)
 * or the login page itself with 200 (mode `page`). Requests for the login page always get the page.
 */
export function captivePortal(options: { loginUrl: string; mode?: 'redirect' | 'page' }): RequestListener {
  const login = new URL(options.loginUrl);
  const loginPage = page({
    body:
      '<!doctype html><html><head><meta charset="utf-8"><title>Guest Wi-Fi - Sign in</title></head>' +
      '<body><h1>Welcome to Guest Wi-Fi</h1><form method="post" action="/login"><label>Room number <input name="room"></label>' +
      '<button>Connect</button></form></body></html>\n',
  });
  return (req, res) => {
    const host = (req.headers.host ?? '').toLowerCase();
    if (options.mode === 'page' || (host === login.host && (req.url ?? '/').startsWith(login.pathname))) {
      return loginPage(req, res);
    }
    res.writeHead(302, { location: options.loginUrl, 'content-length': 0, ...NO_STORE });
    res.end();
  };
}

/**
 * A connectivity canary like detectportal.firefox.com or connectivitycheck.gstatic.com: a known tiny
 * answer. `success` answers `success\n` with 200; `204` answers an empty 204.
 * The `success` one sends no CORS headers, as Firefox's detectportal does:
 * Detour reads its body only with host access to it, which the lab's builds are granted as a user's
 * first pick grants it (test/e2e/detour.ts). The 204 one keeps `*`.
 */
export function canary(kind: 'success' | '204'): RequestListener {
  return (req, res) => {
    const headers = { ...(kind === '204' ? { 'access-control-allow-origin': '*' } : {}), ...NO_STORE };
    if (kind === '204') {
      res.writeHead(204, headers);
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 8, ...headers });
    res.end(req.method === 'HEAD' ? undefined : 'success\n');
  };
}

// --- Ready-made servers -------------------------------------------------------------------------------

export interface HostPort {
  host: string;
  port?: number;
}

/** A normal HTTPS site (default port 443). */
export function startHttpsSite(options: HostPort & PageOptions & { tls: KeyPair }): Promise<Listener> {
  return listen(options.host, options.port ?? 443, httpsHandler(options.tls, page(options)));
}

/** The same site over plain HTTP (default port 80). */
export function startHttpSite(options: HostPort & PageOptions): Promise<Listener> {
  return listen(options.host, options.port ?? 80, httpHandler(page(options)));
}

/** 451 on HTTPS (443, with a valid certificate) and plain HTTP (80). */
export async function start451Site(options: { host: string; tls: KeyPair }): Promise<Closable> {
  const answer = unavailableForLegalReasons();
  return closeAll(
    await listen(options.host, 443, httpsHandler(options.tls, answer)),
    await listen(options.host, 80, httpHandler(answer)),
  );
}

/**
 * An ISP block-page server on 80 and 443. Pass a certificate for the ISP's own name: real ISPs cannot
 * present one for the blocked name, so the browser shows a name-mismatch error on HTTPS.
 */
export async function startBlockPageServer(options: { host: string; tls: KeyPair }): Promise<Closable> {
  const answer = ispBlockPage();
  return closeAll(
    await listen(options.host, 443, httpsHandler(options.tls, answer)),
    await listen(options.host, 80, httpHandler(answer)),
  );
}

/** A captive portal on 80 (and on 443 with its own certificate, as hotel gateways do). */
export async function startCaptivePortal(options: { host: string; tls: KeyPair; loginUrl: string; mode?: 'redirect' | 'page' }): Promise<Closable> {
  const answer = captivePortal(options);
  return closeAll(
    await listen(options.host, 80, httpHandler(answer)),
    await listen(options.host, 443, httpsHandler(options.tls, answer)),
  );
}

export function startCanary(options: HostPort & { kind: 'success' | '204' }): Promise<Listener> {
  return listen(options.host, options.port ?? 80, httpHandler(canary(options.kind)));
}
