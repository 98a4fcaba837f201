/**
 * Plain Node clients that report what happened the way a probe would: an HTTP answer, or the error
 * code at the step that failed. The lab's self-tests use them to prove each simulator; the control's
 * vantage is one option away (`from: LAB_IPS.controlSource`).
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';

export interface HttpAnswer {
  ok: true;
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface ClientFailure {
  ok: false;
  /** Node's error code: ECONNRESET, ECONNREFUSED, EHOSTUNREACH, ETIMEDOUT (ours), ERR_TLS_CERT_ALTNAME_INVALID, ... */
  code: string;
  message: string;
}

export interface FetchOptions {
  /** The address to connect to (no DNS: the test says where the name points). */
  ip: string;
  port?: number;
  /** Host header and, for HTTPS, the SNI. Omit for a bare-IP request (no SNI). */
  host?: string;
  path?: string;
  /** HTTPS with this CA bundle (PEM). Absent: plain HTTP. */
  ca?: string | string[];
  /** Source address: LAB_IPS.controlSource to measure as the control. */
  from?: string;
  timeoutMs?: number;
}

function failure(error: unknown): ClientFailure {
  const e = error as NodeJS.ErrnoException;
  return { ok: false, code: e.code ?? 'UNKNOWN', message: e.message };
}

/** One GET; never throws. */
export function fetchFrom(options: FetchOptions): Promise<HttpAnswer | ClientFailure> {
  const secure = options.ca !== undefined;
  const request = secure ? https.request : http.request;
  return new Promise((resolve) => {
    const req = request(
      {
        host: options.ip,
        port: options.port ?? (secure ? 443 : 80),
        path: options.path ?? '/',
        headers: options.host ? { host: options.host } : {},
        localAddress: options.from,
        agent: false,
        ...(secure ? { ca: options.ca, servername: options.host ?? '' } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ ok: true, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (e) => resolve(failure(e)));
      },
    );
    req.setTimeout(options.timeoutMs ?? 3000, () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (e) => resolve(failure(e)));
    req.end();
  });
}

/** A bare TCP connect: `connected`, or the error. */
export function tcpConnect(options: { ip: string; port: number; from?: string; timeoutMs?: number }): Promise<{ ok: true } | ClientFailure> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: options.ip, port: options.port, localAddress: options.from });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, code: 'ETIMEDOUT', message: 'connect timed out' });
    }, options.timeoutMs ?? 3000);
    socket.on('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: true });
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      resolve(failure(e));
    });
  });
}

export interface HandshakeResult {
  ok: true;
  /** The certificate verified against `ca` for the name (or IP) asked. */
  authorized: boolean;
  authorizationError?: string;
  subjectAltName?: string;
  issuer?: string;
}

/**
 * A TLS handshake that does not give up on a bad certificate, so a test can tell "the handshake
 * completed with a certificate for another name" (an SNI-less connection to the site) from a reset.
 */
export function tlsHandshake(options: { ip: string; port?: number; servername?: string; ca: string | string[]; from?: string; timeoutMs?: number }): Promise<HandshakeResult | ClientFailure> {
  return new Promise((resolve) => {
    // The TCP socket first: tls.connect has no typed localAddress option.
    const tcp = net.connect({ host: options.ip, port: options.port ?? 443, localAddress: options.from });
    tcp.on('error', () => {}); // reported through the TLS socket
    const socket = tls.connect({
      socket: tcp,
      host: options.ip,
      servername: options.servername ?? '',
      ca: options.ca,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, code: 'ETIMEDOUT', message: 'handshake timed out' });
    }, options.timeoutMs ?? 3000);
    socket.on('secureConnect', () => {
      clearTimeout(timer);
      const cert = socket.getPeerCertificate();
      let authorizationError = socket.authorizationError ? String(socket.authorizationError) : undefined;
      // rejectUnauthorized:false skips the name check; do it here so `authorized` means what a browser means.
      const nameError = tls.checkServerIdentity(options.servername || options.ip, cert);
      if (!authorizationError && nameError) authorizationError = (nameError as NodeJS.ErrnoException).code ?? nameError.message;
      resolve({
        ok: true,
        authorized: !authorizationError,
        authorizationError,
        subjectAltName: cert.subjectaltname,
        issuer: [cert.issuer?.CN].flat()[0],
      });
      socket.destroy();
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      resolve(failure(e));
    });
  });
}
