/**
 * The one building block every lab server is made of: a TCP listener on an IP:port whose accepted
 * connections go to a ConnectionHandler. Handlers compose: an SNI filter hands the connections it lets
 * through to a TLS site, a censor hands the control's connections to the honest site, and so on.
 *
 * close() destroys every open connection, not just the listening socket. That matters: a browser keeps
 * idle keep-alive connections in its pool, and a scenario switch that left them open would let the
 * next scenario's first request ride the previous scenario's connection, bypassing the new censor.
 */
import net from 'node:net';

/** Takes ownership of an accepted connection. */
export type ConnectionHandler = (socket: net.Socket) => void;

export interface Listener {
  host: string;
  port: number;
  /** What new connections go to; replace it to change behaviour without closing the port. */
  handler: ConnectionHandler;
  /** Number of connections accepted so far. */
  accepted: number;
  /** Stops listening and destroys every connection this listener accepted. */
  close(): Promise<void>;
}

/** Anything a scenario starts and must stop again. */
export interface Closable {
  close(): Promise<void>;
}

export async function listen(host: string, port: number, handler: ConnectionHandler): Promise<Listener> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ pauseOnConnect: false });
  const listener: Listener = {
    host,
    port,
    handler,
    accepted: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        sockets.clear();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (socket) => {
    listener.accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A browser giving up mid-handshake is normal here; an unhandled 'error' would crash the test run.
    socket.on('error', () => socket.destroy());
    listener.handler(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, backlog: 128 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  listener.port = (server.address() as net.AddressInfo).port;
  return listener;
}

/** Closes several things at once, ignoring the ones already closed. */
export function closeAll(...items: Array<Closable | undefined>): Closable {
  return { close: async () => void (await Promise.allSettled(items.map((item) => item?.close()))) };
}

// --- Transport-level behaviours ---------------------------------------------------------------------

/** An RST right after the handshake: what an on-path censor does on a blocked IP (net::ERR_CONNECTION_RESET). */
export const resetOnAccept: ConnectionHandler = (socket) => {
  socket.resetAndDestroy();
};

/** Accepts and never answers: the browser waits for minutes (the "silent" middlebox). */
export const silent: ConnectionHandler = () => {};

/** Accepts and closes cleanly (FIN) without a byte: net::ERR_EMPTY_RESPONSE / ERR_CONNECTION_CLOSED. */
export const closeOnAccept: ConnectionHandler = (socket) => {
  socket.end();
};

/**
 * Sends connections from `sources` to `exempt` and all others to `handler`. This is how one lab
 * namespace holds both vantage points: the control service connects from LAB_IPS.controlSource and
 * sees the honest site, while the browser (any other source) sees the censor.
 */
export function exceptFrom(sources: readonly string[], exempt: ConnectionHandler, handler: ConnectionHandler): ConnectionHandler {
  const set = new Set(sources.map(stripMapped));
  return (socket) => (set.has(stripMapped(socket.remoteAddress ?? '')) ? exempt(socket) : handler(socket));
}

function stripMapped(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
