/**
 * The lab's DNS-over-HTTPS resolver (RFC 8484): the "honest" resolver that says what a name really
 * resolves to, for the extension to compare with the ISP resolver's answer. Plain HTTP on loopback is
 * enough because the extension's resolver list is a setting (Settings.dohResolvers).
 *
 *   const doh = await startDohServer({ host: '127.0.0.54', port: 8053, zone: honestDns });
 *   doh.url  // http://127.0.0.54:8053/dns-query
 *
 * GET /dns-query?dns=<base64url> and POST /dns-query (application/dns-message) both work, with
 * `Access-Control-Allow-Origin: *` so a page or a service worker can read the answer.
 *
 * With `tls` it is served over HTTPS, HTTP/2 or HTTP/1.1: what a browser's own DNS over HTTPS needs
 * (Firefox's network.trr.uri must be https), as test/e2e/secure-dns.test.ts uses it.
 */
import http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import { answerQuery, type ZoneAnswer } from './dns-server';
import type { KeyPair } from './pki';

export interface DohServer {
  url: string;
  host: string;
  port: number;
  /** Query names asked, oldest first (lower case, no trailing dot). */
  queries: string[];
  /** When true, every request is held open without an answer (a DoH resolver blocked by timeout). */
  stall: boolean;
  close(): Promise<void>;
}

const MAX_QUERY_BYTES = 4096;

export async function startDohServer(options: {
  host: string;
  port?: number;
  /** Where answers come from: usually the honest DnsServer, so DoH and the control agree. */
  zone: { lookup(name: string): ZoneAnswer };
  /** Serve over HTTPS with this certificate (one the lab root issued). */
  tls?: KeyPair;
}): Promise<DohServer> {
  const sockets = new Set<net.Socket>();
  const cors = {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': 'content-type, accept',
    'cache-control': 'no-store',
  };

  const handler = async (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://doh');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors);
      return res.end();
    }
    if (url.pathname !== '/dns-query') {
      res.writeHead(404, cors);
      return res.end();
    }
    let query: Buffer | undefined;
    if (req.method === 'GET') {
      const param = url.searchParams.get('dns');
      if (param && /^[A-Za-z0-9_-]+$/.test(param)) query = Buffer.from(param, 'base64url');
    } else if (req.method === 'POST' && (req.headers['content-type'] ?? '').startsWith('application/dns-message')) {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > MAX_QUERY_BYTES) break;
        chunks.push(chunk as Buffer);
      }
      if (size <= MAX_QUERY_BYTES) query = Buffer.concat(chunks);
    }
    if (!query || query.length < 12 || query.length > MAX_QUERY_BYTES) {
      res.writeHead(400, { ...cors, 'content-type': 'text/plain' });
      return res.end('bad DNS query\n');
    }
    if (handle.stall) return; // hold the request: the client's own timeout decides
    const reply = answerQuery(query, (name) => {
      handle.queries.push(name.toLowerCase().replace(/\.$/, ''));
      return options.zone.lookup(name);
    });
    if (!reply) return; // the zone says `drop`: no answer, as over UDP
    res.writeHead(200, { ...cors, 'content-type': 'application/dns-message', 'content-length': reply.length });
    res.end(Buffer.from(reply));
  };
  const server = options.tls
    ? http2.createSecureServer({ key: options.tls.key, cert: options.tls.cert, allowHTTP1: true }, handler)
    : http.createServer(handler);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const handle: DohServer = {
    url: `${options.tls ? 'https' : 'http'}://${options.host}:${port}/dns-query`,
    host: options.host,
    port,
    queries: [],
    stall: false,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return handle;
}
