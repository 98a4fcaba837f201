/**
 * DNS messages in wire format (RFC 1035), the little of it Detour needs: A/AAAA queries, answers with
 * A, AAAA and CNAME records. Used by the extension's DNS-over-HTTPS probe (RFC 8484 GET), the lab's
 * DNS and DoH servers, and the service's tests. Plain Uint8Array so it runs in a service worker too.
 *
 * Decoding treats every byte as hostile: bounds are checked, compression pointers may only point
 * backwards and are followed a bounded number of times.
 */

export const RR_TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, AAAA: 28 } as const;
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export interface Question {
  name: string;
  type: number;
  class: number;
}

export interface ResourceRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  /** A: dotted quad; AAAA: IPv6 text; CNAME: a name; other types: empty. */
  data: string;
}

export interface DnsMessage {
  id: number;
  response: boolean;
  opcode: number;
  authoritative: boolean;
  truncated: boolean;
  recursionDesired: boolean;
  recursionAvailable: boolean;
  rcode: number;
  questions: Question[];
  answers: ResourceRecord[];
}

export class DnsWireError extends Error {
  override name = 'DnsWireError';
}

function encodeName(name: string): number[] {
  const out: number[] = [];
  const trimmed = name.replace(/\.$/, '');
  if (trimmed.length > 253) throw new DnsWireError(`name too long: ${trimmed.length} characters`);
  for (const label of trimmed ? trimmed.split('.') : []) {
    const bytes = [...label].map((c) => c.charCodeAt(0));
    if (bytes.length === 0 || bytes.length > 63 || bytes.some((b) => b > 127)) {
      throw new DnsWireError(`invalid label in ${JSON.stringify(name)}`);
    }
    out.push(bytes.length, ...bytes);
  }
  out.push(0);
  return out;
}

function u16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}

function u32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

/** A recursive query for one name and type. RFC 8484 asks for id 0 so GETs are cacheable. */
export function encodeQuery(name: string, type: number, id = 0): Uint8Array {
  return new Uint8Array([...u16(id), 0x01, 0x00, ...u16(1), ...u16(0), ...u16(0), ...u16(0), ...encodeName(name), ...u16(type), ...u16(1)]);
}

function encodeRdata(record: Pick<ResourceRecord, 'type' | 'data'>): number[] {
  if (record.type === RR_TYPE.A) {
    const parts = record.data.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
      throw new DnsWireError(`not an IPv4 address: ${record.data}`);
    }
    return parts;
  }
  if (record.type === RR_TYPE.AAAA) return ipv6Bytes(record.data);
  if (record.type === RR_TYPE.CNAME) return encodeName(record.data);
  throw new DnsWireError(`cannot encode record type ${record.type}`);
}

function ipv6Bytes(text: string): number[] {
  const [head = '', tail] = text.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const missing = 8 - left.length - right.length;
  if (text.split('::').length > 2 || missing < 0 || (tail === undefined && missing !== 0)) {
    throw new DnsWireError(`not an IPv6 address: ${text}`);
  }
  const all = [...left, ...Array<string>(missing).fill('0'), ...right];
  return all.flatMap((g) => {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) throw new DnsWireError(`not an IPv6 address: ${text}`);
    return u16(parseInt(g, 16));
  });
}

export interface ResponseSpec {
  id: number;
  question: Question;
  rcode?: number;
  recursionDesired?: boolean;
  answers?: Array<Omit<ResourceRecord, 'class'>>;
}

/** A response to one question; what the lab's resolvers send. */
export function encodeResponse(spec: ResponseSpec): Uint8Array {
  const answers = spec.answers ?? [];
  const flags = 0x8000 | 0x0080 | (spec.recursionDesired === false ? 0 : 0x0100) | ((spec.rcode ?? 0) & 0x0f);
  const bytes = [...u16(spec.id), ...u16(flags), ...u16(1), ...u16(answers.length), ...u16(0), ...u16(0)];
  bytes.push(...encodeName(spec.question.name), ...u16(spec.question.type), ...u16(spec.question.class));
  for (const answer of answers) {
    const rdata = encodeRdata(answer);
    bytes.push(...encodeName(answer.name), ...u16(answer.type), ...u16(1), ...u32(answer.ttl), ...u16(rdata.length), ...rdata);
  }
  return new Uint8Array(bytes);
}

class Reader {
  offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  need(n: number): void {
    if (this.offset + n > this.bytes.length) throw new DnsWireError(`truncated message at byte ${this.offset}`);
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.offset++]!;
  }

  u16(): number {
    return (this.u8() << 8) | this.u8();
  }

  u32(): number {
    return ((this.u16() << 16) >>> 0) + this.u16();
  }

  slice(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  name(): string {
    const labels: string[] = [];
    let position = this.offset;
    let jumped = false;
    let jumps = 0;
    let length = 0;
    for (;;) {
      if (position >= this.bytes.length) throw new DnsWireError('name runs past the end of the message');
      const len = this.bytes[position]!;
      if ((len & 0xc0) === 0xc0) {
        if (position + 1 >= this.bytes.length) throw new DnsWireError('truncated compression pointer');
        const target = ((len & 0x3f) << 8) | this.bytes[position + 1]!;
        if (target >= position || ++jumps > 32) throw new DnsWireError('bad compression pointer');
        if (!jumped) this.offset = position + 2;
        jumped = true;
        position = target;
        continue;
      }
      if (len & 0xc0) throw new DnsWireError('unsupported label type');
      position += 1;
      if (len === 0) break;
      if (position + len > this.bytes.length) throw new DnsWireError('label runs past the end of the message');
      labels.push(String.fromCharCode(...this.bytes.subarray(position, position + len)).toLowerCase());
      length += len + 1;
      if (length > 255) throw new DnsWireError('name too long');
      position += len;
    }
    if (!jumped) this.offset = position;
    return labels.join('.');
  }
}

function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // Longest run of zero groups becomes "::" (RFC 5952).
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength && j - i > 1) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** Parses a DNS message. Throws DnsWireError on anything malformed. */
export function decodeMessage(bytes: Uint8Array): DnsMessage {
  const r = new Reader(bytes);
  const id = r.u16();
  const flags = r.u16();
  const qdcount = r.u16();
  const ancount = r.u16();
  r.u16();
  r.u16();
  if (qdcount > 16 || ancount > 256) throw new DnsWireError(`implausible counts: ${qdcount} questions, ${ancount} answers`);
  const questions: Question[] = [];
  for (let i = 0; i < qdcount; i += 1) questions.push({ name: r.name(), type: r.u16(), class: r.u16() });
  const answers: ResourceRecord[] = [];
  for (let i = 0; i < ancount; i += 1) {
    const name = r.name();
    const type = r.u16();
    const klass = r.u16();
    const ttl = r.u32();
    const length = r.u16();
    const start = r.offset;
    let data = '';
    if (type === RR_TYPE.A) {
      if (length !== 4) throw new DnsWireError('A record with wrong length');
      data = [...r.slice(4)].join('.');
    } else if (type === RR_TYPE.AAAA) {
      if (length !== 16) throw new DnsWireError('AAAA record with wrong length');
      data = formatIpv6(r.slice(16));
    } else if (type === RR_TYPE.CNAME) {
      data = r.name();
      if (r.offset - start > length) throw new DnsWireError('CNAME runs past its record');
      r.offset = start;
      r.slice(length);
    } else {
      r.slice(length);
    }
    answers.push({ name, type, class: klass, ttl, data });
  }
  return {
    id,
    response: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0x0f,
    authoritative: (flags & 0x0400) !== 0,
    truncated: (flags & 0x0200) !== 0,
    recursionDesired: (flags & 0x0100) !== 0,
    recursionAvailable: (flags & 0x0080) !== 0,
    rcode: flags & 0x0f,
    questions,
    answers,
  };
}

/** base64url without padding, as RFC 8484 GET requests carry the query. */
export function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length > 4096) throw new DnsWireError('not base64url');
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(padded);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
