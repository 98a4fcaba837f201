/**
 * Block-page fingerprints: known DNS answers and HTTP responses that censors, ISPs and filtering
 * products serve instead of the real site (ooni/blocking-fingerprints, see FINGERPRINTS-CREDITS.md).
 * A match is the strongest evidence the engine has: it turns "something differs" into "this is the
 * block page of that ISP".
 *
 * The data is built by scripts/build-fingerprints.ts into fingerprints.data.json. Patterns compile
 * once, on first use, so importing the engine costs nothing until a page has to be matched.
 *
 * Matching follows OONI's: `full` equals, `prefix` starts with, `contains` is a substring, `regexp`
 * searches; all case-sensitive. `dns` rows match an answer address (canonical form), `body` rows the
 * body text, `header.<name>` rows the first value of that header. Every kind runs in time linear in
 * the text (regexps through linear-pattern.ts, never RegExp): the text is written by whoever is on
 * the path, and a crafted page must not freeze the background.
 */
import { canonicalIp } from './ip';
import { compileLinearPattern } from './linear-pattern';

export type PatternType = 'full' | 'prefix' | 'contains' | 'regexp';

/** One fingerprint as stored: [name, scope, location_found, pattern_type, pattern, countries "RU,BY", confidence_no_fp]. */
export type FingerprintRow = [string, string, string, PatternType, string, string, number];

export interface RegexpReport {
  /** Regexp rows in the CSVs. */
  total: number;
  /** Rows whose Python syntax was rewritten for JavaScript. */
  converted: Array<{ name: string; from: string; to: string; flags: string }>;
  /** Rows left out, with the reason. */
  skipped: Array<{ name: string; pattern: string; reason: string }>;
}

export interface FingerprintsData {
  credit: string;
  source: string;
  commit: string;
  generatedBy: string;
  columns: string[];
  regexp: RegexpReport;
  dns: FingerprintRow[];
  http: FingerprintRow[];
}

export interface Fingerprint {
  name: string;
  /**
   * nat (national), isp, inst (institution), prod (filtering product), vbw (vague: a generic word or
   * address), prov (the service itself geo-blocks), fp and injb (known FALSE positives: benign pages
   * and injections that look like blocking).
   */
  scope: string;
  /** dns, body or header.<lower-case name>. */
  location: string;
  type: PatternType;
  pattern: string;
  /** ISO country codes where this page is expected; ZZ means anywhere; empty means not recorded. */
  countries: string[];
  /** How sure the curators are this is not a false positive (0..10). */
  confidenceNoFp: number;
}

export interface FingerprintMatch {
  fingerprint: Fingerprint;
  /** Where it matched: dns, body, header.<name>. */
  location: string;
  /** For DNS matches: the answer that matched. */
  value?: string;
}

/** What the HTTP matcher needs of a response. */
export interface ResponseLike {
  /** Lower-case header names to their first value. */
  headers?: Record<string, string>;
  body?: string;
  /** A redirect target reported apart from the headers. */
  location?: string;
}

export interface FingerprintSet {
  readonly dnsCount: number;
  readonly httpCount: number;
  /** Rows whose pattern could not be compiled here (a custom data set; the bundled one has none). */
  readonly skipped: ReadonlyArray<{ name: string; reason: string }>;
  matchDns(addrs: readonly string[]): FingerprintMatch[];
  matchHttp(response: ResponseLike): FingerprintMatch[];
}

/** Scopes that mark a fingerprint as a known false positive: a match is evidence AGAINST blocking. */
export const FALSE_POSITIVE_SCOPES: ReadonlySet<string> = new Set(['fp', 'injb']);

function toFingerprint(row: FingerprintRow): Fingerprint {
  const [name, scope, location, type, pattern, countries, confidenceNoFp] = row;
  return {
    name,
    scope,
    location,
    type,
    pattern,
    countries: countries ? countries.split(',') : [],
    confidenceNoFp,
  };
}

interface Compiled {
  fingerprint: Fingerprint;
  test: (value: string) => boolean;
}

/**
 * Finds which of many literal patterns occur in a text, in one pass. Over a thousand `contains`
 * fingerprints each scanning a 64 KiB body with indexOf took ~9 ms. Here each pattern is filed under
 * one three-character "anchor" taken from its first dozen characters; the text is walked once, and at
 * each position only the patterns filed under the three characters found there are checked.
 *
 * The anchor is chosen so that buckets stay small: 209 patterns start with "<title>" and 159 with
 * "http", and a page repeats those constantly. Filing each pattern where its bucket is the smallest
 * keeps the checks per position to one or two.
 *
 * An Aho-Corasick automaton is a little faster once built, but its ~50 000-node trie took 100+ ms to
 * build on a cold start, and an MV3 service worker starts cold often; this builds in a few ms.
 */
export class LiteralMatcher {
  /** A 30-bit hash of three UTF-16 code units to the patterns anchored there (collisions are checked). */
  private readonly buckets = new Map<number, Array<{ index: number; offset: number }>>();
  /** 16-bit summary of the hashes in use: most positions of a text are ruled out by one array read. */
  private readonly present = new Uint8Array(65536);
  /** Patterns shorter than three characters (none in the bundled data): plain includes(). */
  private readonly short: number[] = [];
  static readonly MAX_OFFSET = 12;

  private static hash(c0: number, c1: number, c2: number): number {
    return (Math.imul(c0, 0x9e3779b1) ^ Math.imul(c1, 0x85ebca6b) ^ Math.imul(c2, 0xc2b2ae35)) >>> 2;
  }

  constructor(private readonly patterns: readonly string[]) {
    const key = (text: string, at: number) =>
      LiteralMatcher.hash(text.charCodeAt(at), text.charCodeAt(at + 1), text.charCodeAt(at + 2));
    patterns.forEach((pattern, index) => {
      if (pattern.length < 3) {
        if (pattern) this.short.push(index);
        return;
      }
      let offset = 0;
      let smallest = Infinity;
      for (let k = 0; k <= Math.min(pattern.length - 3, LiteralMatcher.MAX_OFFSET); k++) {
        const size = this.buckets.get(key(pattern, k))?.length ?? 0;
        if (size < smallest) {
          smallest = size;
          offset = k;
          if (size === 0) break;
        }
      }
      const anchor = key(pattern, offset);
      const bucket = this.buckets.get(anchor);
      if (bucket) bucket.push({ index, offset });
      else this.buckets.set(anchor, [{ index, offset }]);
      this.present[anchor & 0xffff] = 1;
    });
  }

  /** Indices of the patterns that occur in `text`. */
  search(text: string): Set<number> {
    const found = new Set<number>();
    for (const index of this.short) if (text.includes(this.patterns[index]!)) found.add(index);
    const present = this.present;
    let c0 = text.charCodeAt(0);
    let c1 = text.charCodeAt(1);
    for (let i = 0; i + 2 < text.length; i++) {
      const c2 = text.charCodeAt(i + 2);
      const h = LiteralMatcher.hash(c0, c1, c2);
      c0 = c1;
      c1 = c2;
      if (present[h & 0xffff] === 0) continue;
      const bucket = this.buckets.get(h);
      if (bucket === undefined) continue;
      for (let k = 0; k < bucket.length; k++) {
        const { index, offset } = bucket[k]!;
        const at = i - offset;
        if (at >= 0 && !found.has(index) && text.startsWith(this.patterns[index]!, at)) found.add(index);
      }
    }
    return found;
  }
}

function compileTest(fp: Fingerprint): (value: string) => boolean {
  const { pattern } = fp;
  switch (fp.type) {
    case 'full':
      return (value) => value === pattern;
    case 'prefix':
      return (value) => value.startsWith(pattern);
    case 'contains':
      return (value) => value.includes(pattern);
    case 'regexp': {
      // Never a RegExp: the text is the network's, and backtracking over it can be made cubic.
      const linear = compileLinearPattern(pattern);
      return (value) => linear.test(value);
    }
  }
}

/**
 * Compiles a fingerprint data set. Nothing happens until the first match call; rows that fail to
 * compile are listed in `skipped`, never thrown.
 */
export function compileFingerprints(data: Pick<FingerprintsData, 'dns' | 'http'>): FingerprintSet {
  let dnsIndex: Map<string, Fingerprint[]> | undefined;
  /** Body rules that are not plain substrings (prefix, full, regexp). */
  let bodyRules: Compiled[] | undefined;
  /** Body `contains` rules, all found in one pass over the body. */
  let bodyLiterals: { matcher: LiteralMatcher; fingerprints: Fingerprint[] } | undefined;
  let headerRules: Map<string, Compiled[]> | undefined;
  const skipped: Array<{ name: string; reason: string }> = [];

  const compile = () => {
    if (bodyRules) return;
    dnsIndex = new Map();
    for (const row of data.dns) {
      const fp = toFingerprint(row);
      if (fp.type !== 'full') {
        skipped.push({ name: fp.name, reason: `DNS fingerprints must be full addresses, not ${fp.type}` });
        continue;
      }
      const key = canonicalIp(fp.pattern) ?? fp.pattern;
      const list = dnsIndex.get(key) ?? [];
      list.push(fp);
      dnsIndex.set(key, list);
    }
    bodyRules = [];
    headerRules = new Map();
    const literals: Fingerprint[] = [];
    for (const row of data.http) {
      const fp = toFingerprint(row);
      let test: (value: string) => boolean;
      try {
        test = compileTest(fp);
      } catch (error) {
        skipped.push({ name: fp.name, reason: (error as Error).message });
        continue;
      }
      if (fp.location === 'body' && fp.type === 'contains') {
        literals.push(fp);
      } else if (fp.location === 'body') {
        bodyRules.push({ fingerprint: fp, test });
      } else if (fp.location.startsWith('header.')) {
        const header = fp.location.slice('header.'.length);
        const list = headerRules.get(header) ?? [];
        list.push({ fingerprint: fp, test });
        headerRules.set(header, list);
      } else {
        skipped.push({ name: fp.name, reason: `unknown location ${fp.location}` });
      }
    }
    bodyLiterals = { matcher: new LiteralMatcher(literals.map((fp) => fp.pattern)), fingerprints: literals };
  };

  return {
    dnsCount: data.dns.length,
    httpCount: data.http.length,
    get skipped() {
      compile();
      return skipped;
    },
    matchDns(addrs) {
      compile();
      const out: FingerprintMatch[] = [];
      for (const addr of addrs) {
        const key = canonicalIp(addr) ?? addr;
        for (const fingerprint of dnsIndex!.get(key) ?? []) out.push({ fingerprint, location: 'dns', value: addr });
      }
      return out;
    },
    matchHttp(response) {
      compile();
      const out: FingerprintMatch[] = [];
      const body = response.body;
      if (body) {
        for (const index of bodyLiterals!.matcher.search(body)) {
          out.push({ fingerprint: bodyLiterals!.fingerprints[index]!, location: 'body' });
        }
        for (const rule of bodyRules!) {
          if (rule.test(body)) out.push({ fingerprint: rule.fingerprint, location: 'body' });
        }
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers ?? {})) headers[name.toLowerCase()] = value;
      if (response.location !== undefined && headers.location === undefined) headers.location = response.location;
      for (const [name, rules] of headerRules!) {
        const value = headers[name];
        if (value === undefined) continue;
        for (const rule of rules) {
          if (rule.test(value)) out.push({ fingerprint: rule.fingerprint, location: `header.${name}` });
        }
      }
      return out;
    },
  };
}
