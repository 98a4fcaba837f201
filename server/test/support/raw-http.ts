/**
 * HTTP and TCP clients for the tests that need what fetch() cannot do: pick the client's loopback
 * address (127.0.0.0/8 is all local, so each address is a different "client" to the service), send
 * repeated headers, or hold a socket open and watch when the service closes it.
 */
import http from 'node:http';
import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  json: any;
}

/** One request on a fresh connection from `localAddress` (default 127.0.0.1). */
export function request(
  url: string,
  options: { method?: string; path?: string; headers?: http.OutgoingHttpHeaders; body?: string; localAddress?: string; timeoutMs?: number } = {},
): Promise<RawResponse> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: Number(port),
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: { connection: 'close', ...options.headers },
        localAddress: options.localAddress ?? '127.0.0.1',
        agent: false,
        timeout: options.timeoutMs ?? 5_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let json: unknown = text;
          try {
            json = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface HeldSocket {
  socket: net.Socket;
  /** Milliseconds from connect to the service closing the socket; undefined while open. */
  closedAfterMs: number | undefined;
  /** Resolves with closedAfterMs once the socket is closed (by the service, or by giveUpMs). */
  closed: Promise<number>;
  /** Bytes the service sent. */
  received(): string;
}

/** A connected socket from `localAddress` that sends nothing unless the test writes to it. */
export function hold(url: string, localAddress = '127.0.0.1', giveUpMs = 60_000): Promise<HeldSocket> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: Number(port), localAddress });
    let data = '';
    let connectedAt = 0;
    let resolveClosed!: (ms: number) => void;
    const held: HeldSocket = {
      socket,
      closedAfterMs: undefined,
      closed: new Promise<number>((r) => (resolveClosed = r)),
      received: () => data,
    };
    const giveUp = setTimeout(() => socket.destroy(), giveUpMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', () => {});
    socket.once('connect', () => {
      connectedAt = Date.now();
      resolve(held);
    });
    socket.once('close', () => {
      clearTimeout(giveUp);
      if (!connectedAt) return reject(new Error('could not connect'));
      held.closedAfterMs = Date.now() - connectedAt;
      resolveClosed(held.closedAfterMs);
    });
  });
}
