/**
 * TLS handshakes with the URL's host as SNI, verified against Node's bundled roots (plus the extra
 * CA file): the TLS step per endpoint, and the handshake of each HTTPS redirect hop of the fetch.
 */
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import type { ControlTlsHandshakeResult } from '../../../engine/control-protocol';
import { ooniFailure } from '../failure-strings';
import { bound, type Budget } from './budget';

export function createSecureContext(extraCaPem: string | undefined): tls.SecureContext {
  // Passing `ca` replaces Node's roots, so the extra CA is appended to them, not given alone.
  return tls.createSecureContext({ ca: extraCaPem ? [...tls.rootCertificates, extraCaPem] : [...tls.rootCertificates] });
}

/**
 * Handshakes over an open TCP socket; resolves once the certificate chain and name are verified.
 * An IP-literal host gets no SNI (TLS forbids it) and is checked against the certificate's IP names.
 * On failure both sockets are destroyed.
 */
export async function tlsHandshake(
  socket: net.Socket,
  host: string,
  secureContext: tls.SecureContext,
  budget: Budget,
): Promise<tls.TLSSocket> {
  const secure = tls.connect({
    socket,
    host,
    servername: net.isIP(host) ? undefined : host,
    secureContext,
    ALPNProtocols: ['http/1.1'],
    rejectUnauthorized: true,
  });
  secure.on('error', () => {});
  const disarm = bound(secure, budget.stepMs(), budget.signal);
  try {
    await once(secure, 'secureConnect');
    return secure;
  } catch (error) {
    secure.destroy();
    socket.destroy();
    throw error;
  } finally {
    disarm();
  }
}

export type TlsStep =
  | { result: ControlTlsHandshakeResult; secure: tls.TLSSocket; error?: undefined }
  | { result: ControlTlsHandshakeResult; secure?: undefined; error: unknown };

/** The TLS step over an endpoint's open TCP socket; on success the verified connection stays open. */
export async function tlsStep(
  socket: net.Socket,
  serverName: string,
  secureContext: tls.SecureContext,
  budget: Budget,
): Promise<TlsStep> {
  try {
    const secure = await tlsHandshake(socket, serverName, secureContext, budget);
    return { result: { server_name: serverName, status: true, failure: null }, secure };
  } catch (error) {
    return { result: { server_name: serverName, status: false, failure: ooniFailure(error) }, error };
  }
}
