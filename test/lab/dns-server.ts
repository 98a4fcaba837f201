/**
 * A programmable DNS server for the lab: the resolver of the user's (censored) network, or, behind the
 * DoH server, an honest one. Answers A/AAAA from a zone the test sets, over UDP and TCP.
 *
 *   const dns = await startDnsServer({ host: '127.0.0.53', port: 53 });
 *   dns.set('mail.example.test', { addrs: ['198.51.100.7'] });
 *   dns.set('blocked.example.test', { rcode: 'NXDOMAIN' });   // NXDOMAIN injection
 *   dns.set('slow.example.test', { drop: true });              // no answer at all
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { decodeMessage, encodeResponse, RCODE, RR_TYPE, type Question } from '../../engine/dns-wire';
import { ipFamily } from '../../engine/ip';

export type ZoneAnswer =
  | { addrs: string[]; ttl?: number }
  | { rcode: keyof typeof RCODE }
  | { drop: true };

export interface DnsServer {
  host: string;
  port: number;
  set(name: string, answer: ZoneAnswer): void;
  delete(name: string): void;
  clear(): void;
  /**
   * The answer for every name the zone does not hold (NXDOMAIN unless set): a captive portal answers
   * every name with its own address, a dead network answers nothing. `clear()` resets it too.
   */
  setDefault(answer: ZoneAnswer | undefined): void;
  /** What the zone says for a name (the default, NXDOMAIN unless set, for names it does not hold). */
  lookup(name: string): ZoneAnswer;
  /** Every question asked, oldest first. */
  queries: Question[];
  close(): Promise<void>;
}

const NXDOMAIN: ZoneAnswer = { rcode: 'NXDOMAIN' };

/** Builds the wire answer for a query, or undefined when the zone says to stay silent. */
export function answerQuery(query: Uint8Array, lookup: (name: string) => ZoneAnswer): Uint8Array | undefined {
  let message;
  try {
    message = decodeMessage(query);
  } catch {
    return undefined;
  }
  const question = message.questions[0];
  if (message.response || !question) return undefined;
  const answer = lookup(question.name);
  if ('drop' in answer) return undefined;
  if ('rcode' in answer) {
    return encodeResponse({ id: message.id, question, rcode: RCODE[answer.rcode], recursionDesired: message.recursionDesired });
  }
  const family = question.type === RR_TYPE.A ? 4 : question.type === RR_TYPE.AAAA ? 6 : 0;
  const answers = answer.addrs
    .filter((addr) => ipFamily(addr) === family)
    .map((addr) => ({ name: question.name, type: question.type, ttl: answer.ttl ?? 1, data: addr }));
  return encodeResponse({ id: message.id, question, answers, recursionDesired: message.recursionDesired });
}

export async function startDnsServer(options: { host?: string; port?: number } = {}): Promise<DnsServer> {
  const host = options.host ?? '127.0.0.1';
  const zone = new Map<string, ZoneAnswer>();
  const queries: Question[] = [];
  const normalize = (name: string) => name.toLowerCase().replace(/\.$/, '');
  let fallback: ZoneAnswer | undefined;
  const lookup = (name: string): ZoneAnswer => zone.get(normalize(name)) ?? fallback ?? NXDOMAIN;
  const record = (bytes: Uint8Array) => {
    try {
      const q = decodeMessage(bytes).questions[0];
      if (q) queries.push(q);
    } catch {
      // garbage is not a question; answerQuery ignores it too
    }
  };

  const udp = dgram.createSocket(ipFamily(host) === 6 ? 'udp6' : 'udp4');
  udp.on('message', (msg, rinfo) => {
    record(msg);
    const reply = answerQuery(msg, lookup);
    if (reply) udp.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(options.port ?? 0, host, () => resolve());
  });
  const port = udp.address().port;

  // TCP: two-byte length prefix per message (RFC 1035 §4.2.2).
  const tcp = net.createServer((socket) => {
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 2) {
        const length = buffer.readUInt16BE(0);
        if (buffer.length < 2 + length) break;
        const msg = buffer.subarray(2, 2 + length);
        buffer = buffer.subarray(2 + length);
        record(msg);
        const reply = answerQuery(msg, lookup);
        if (reply) {
          const prefix = Buffer.alloc(2);
          prefix.writeUInt16BE(reply.length);
          socket.write(Buffer.concat([prefix, reply]));
        }
      }
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, host, () => resolve());
  });

  return {
    host,
    port,
    queries,
    set: (name, answer) => zone.set(normalize(name), answer),
    delete: (name) => zone.delete(normalize(name)),
    clear: () => {
      zone.clear();
      fallback = undefined;
    },
    setDefault: (answer) => {
      fallback = answer;
    },
    lookup,
    close: async () => {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}
