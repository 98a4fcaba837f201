/**
 * The SNI-filtering censor (Russia's TSPU, China's GFW): it lets the TCP handshake through, reads the
 * TLS ClientHello, and resets the connection when the server_name is on its list. Everything else
 * (another SNI, or none, as in a handshake to a bare IP) reaches the real TLS server on the same
 * address untouched, which is exactly what lets the engine tell SNI filtering from an IP block.
 */
import type net from 'node:net';
import type { ConnectionHandler } from './listener';

/** What the filter saw of a ClientHello. */
export interface ClientHelloInfo {
  /** The server_name extension's host name; null when the client sent none (bare-IP handshake). */
  sni: string | null;
  remoteAddress: string;
}

export interface SniFilterOptions {
  /** Host names (lower case) whose ClientHello gets a reset. */
  blocked: Iterable<string>;
  /** Where every other connection goes, with the ClientHello bytes put back in front. */
  pass: ConnectionHandler;
  /** Called for every ClientHello, blocked or not; tests use it to prove what the browser sent. */
  onClientHello?: (info: ClientHelloInfo & { blocked: boolean }) => void;
  /** What to do on a blocked SNI; default reset (RST). `silent` models Russia's TLS-timeout variant. */
  action?: 'reset' | 'silent';
  /** With `reset`: hold the connection this long after the ClientHello before the reset. */
  resetAfterMs?: number;
}

const MAX_HELLO_BYTES = 64 * 1024;

/**
 * Parses the start of a TLS stream. Returns undefined while more bytes are needed, null when the bytes
 * are not a TLS ClientHello, or the SNI (null when absent).
 */
export function parseClientHelloSni(bytes: Buffer): { sni: string | null } | null | undefined {
  // Reassemble the handshake message from as many TLS records as it spans (a post-quantum key share
  // makes Chromium's ClientHello ~1.8 KB, still one record, but the spec allows fragmentation).
  const handshake: Buffer[] = [];
  let offset = 0;
  let needed = -1;
  let have = 0;
  while (needed < 0 || have < needed) {
    if (bytes.length < offset + 5) return undefined;
    if (bytes[offset] !== 0x16) return null; // not a handshake record
    const recordLength = bytes.readUInt16BE(offset + 3);
    if (bytes.length < offset + 5 + recordLength) return undefined;
    const body = bytes.subarray(offset + 5, offset + 5 + recordLength);
    handshake.push(body);
    have += body.length;
    offset += 5 + recordLength;
    if (needed < 0) {
      const first = Buffer.concat(handshake);
      if (first.length < 4) continue;
      if (first[0] !== 0x01) return null; // not a ClientHello
      needed = 4 + first.readUIntBE(1, 3);
    }
  }
  const msg = Buffer.concat(handshake);
  let p = 4 + 2 + 32; // header, legacy_version, random
  const skip = (lengthBytes: number) => {
    if (p + lengthBytes > msg.length) throw new RangeError('truncated ClientHello');
    p += lengthBytes + msg.readUIntBE(p, lengthBytes);
  };
  try {
    skip(1); // session id
    skip(2); // cipher suites
    skip(1); // compression methods
    if (p + 2 > msg.length) return { sni: null }; // no extensions at all
    const end = Math.min(msg.length, p + 2 + msg.readUInt16BE(p));
    p += 2;
    while (p + 4 <= end) {
      const type = msg.readUInt16BE(p);
      const length = msg.readUInt16BE(p + 2);
      const data = msg.subarray(p + 4, p + 4 + length);
      p += 4 + length;
      if (type !== 0x0000) continue;
      // server_name_list: u16 length, then entries of (u8 type, u16 length, name); type 0 = host_name.
      let q = 2;
      while (q + 3 <= data.length) {
        const nameType = data[q]!;
        const nameLength = data.readUInt16BE(q + 1);
        const name = data.subarray(q + 3, q + 3 + nameLength).toString('ascii');
        if (nameType === 0) return { sni: name.toLowerCase() };
        q += 3 + nameLength;
      }
    }
    return { sni: null };
  } catch {
    return null;
  }
}

export function sniFilter(options: SniFilterOptions): ConnectionHandler {
  const blocked = new Set([...options.blocked].map((name) => name.toLowerCase()));
  return (socket: net.Socket) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const parsed = parseClientHelloSni(buffered);
      if (parsed === undefined && buffered.length < MAX_HELLO_BYTES) return; // wait for more
      socket.off('data', onData);
      socket.pause();
      const sni = parsed ? parsed.sni : null;
      const isBlocked = sni !== null && blocked.has(sni);
      options.onClientHello?.({ sni, remoteAddress: socket.remoteAddress ?? '', blocked: isBlocked });
      if (isBlocked) {
        if (options.action === 'silent') return;
        if (options.resetAfterMs) {
          const timer = setTimeout(() => socket.resetAndDestroy(), options.resetAfterMs);
          socket.once('close', () => clearTimeout(timer));
        } else socket.resetAndDestroy();
        return;
      }
      // Put the bytes back; Node's TLS server reads a socket's buffered data before its handle's.
      socket.unshift(buffered);
      options.pass(socket);
    };
    socket.on('data', onData);
  };
}
