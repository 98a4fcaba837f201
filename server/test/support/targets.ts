/**
 * Loopback targets for the service to measure: real servers on 127.0.0.x, each counting the
 * connections it accepted so a test can prove the service never reached it.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Pem } from './pki';

export interface Target {
  host: string;
  port: number;
  /** TCP connections accepted so far. */
  connections: number;
  /** TCP connections still open now. */
  readonly open: number;
  close(): Promise<void>;
}

function track<S extends net.Server>(server: S, host: string, port: number): Promise<Target & { server: S }> {
  const sockets = new Set<net.Socket>();
  const target = {
    server,
    host,
    port: 0,
    connections: 0,
    get open() {
      return sockets.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (socket: net.Socket) => {
    target.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      target.port = (server.address() as net.AddressInfo).port;
      resolve(target);
    });
  });
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export function startHttpTarget(handler: Handler, host = '127.0.0.1', port = 0) {
  return track(http.createServer(handler), host, port);
}

export function startHttpsTarget(pem: Pem, handler: Handler, host = '127.0.0.1', port = 0) {
  return track(https.createServer({ cert: pem.cert, key: pem.key }, handler), host, port);
}

/** Accepts, then answers with a TCP RST (before or after reading the first bytes). */
export function startResetTarget(when: 'on-accept' | 'after-first-data' = 'on-accept', host = '127.0.0.1') {
  return track(
    net.createServer((socket) => {
      if (when === 'on-accept') socket.resetAndDestroy();
      else socket.once('data', () => socket.resetAndDestroy());
    }),
    host,
    0,
  );
}

/** Accepts and closes cleanly (FIN) without a byte: an EOF. */
export function startEofTarget(host = '127.0.0.1') {
  return track(net.createServer((socket) => socket.end()), host, 0);
}

/** Accepts and never answers: the service's step timeout must fire. */
export function startSilentTarget(host = '127.0.0.1') {
  return track(net.createServer(() => {}), host, 0);
}

/**
 * A port on which nothing listens, so connecting is refused. It lies below the kernel's ephemeral range
 * (32768-60999 on Linux), where servers bound to port 0 are placed: a port released back into that
 * range can be handed to another test file's server a moment later, and the "refused" target answers.
 */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (await refuses(host, port)) return port;
  }
  throw new Error(`no refused port found on ${host} below the ephemeral range`);
}

function refuses(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

/** A small HTML page with a title and a distinctive header, and its exact length. */
export function page(title: string, filler = 'Welcome.'): { body: string; length: number } {
  const body = `<!doctype html><html><head><title>${title}</title></head><body><p>${filler}</p></body></html>`;
  return { body, length: Buffer.byteLength(body) };
}
