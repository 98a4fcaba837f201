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
 * body text, `header.<name>` rows the first value of that header.
 */
import { canon } from './analysis/ip-facts';

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

export function toFingerprint(row: FingerprintRow): Fingerprint {
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
 * Aho-Corasick over UTF-16 code units: finds which of many literal patterns occur in a text in one
 * pass. Over a thousand `contains` fingerprints each scanning a 64 KiB body with indexOf took ~9 ms;
 * one automaton pass takes well under one.
 */
export class LiteralMatcher {
  private readonly next: Array<Map<number, number>> = [new Map()];
  private readonly fail: number[] = [0];
  private readonly out: number[][] = [[]];
  /** Transitions out of the root, flat, for the common case of no partial match. */
  private readonly root = new Int32Array(65536);

  constructor(patterns: readonly string[]) {
    patterns.forEach((pattern, index) => {
      if (!pattern) return;
      let state = 0;
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern.charCodeAt(i);
        let to = this.next[state]!.get(c);
        if (to === undefined) {
          to = this.next.length;
          this.next.push(new Map());
          this.fail.push(0);
          this.out.push([]);
          this.next[state]!.set(c, to);
        }
        state = to;
      }
      this.out[state]!.push(index);
    });
    const queue: number[] = [];
    for (const [c, to] of this.next[0]!) {
      this.root[c] = to;
      queue.push(to);
    }
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]!;
      for (const [c, to] of this.next[state]!) {
        queue.push(to);
        let f = this.fail[state]!;
        while (f !== 0 && !this.next[f]!.has(c)) f = this.fail[f]!;
        const target = this.next[f]!.get(c);
        this.fail[to] = target !== undefined && target !== to ? target : 0;
        const inherited = this.out[this.fail[to]!]!;
        if (inherited.length) this.out[to] = [...this.out[to]!, ...inherited];
      }
    }
  }

  /** Indices of the patterns that occur in `text`. */
  search(text: string): Set<number> {
    const found = new Set<number>();
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (state === 0) {
        state = this.root[c]!;
      } else {
        let to = this.next[state]!.get(c);
        while (to === undefined && state !== 0) {
          state = this.fail[state]!;
          to = state === 0 ? this.root[c] || undefined : this.next[state]!.get(c);
        }
        state = to ?? 0;
      }
      const out = this.out[state]!;
      for (let k = 0; k < out.length; k++) found.add(out[k]!);
    }
    return found;
  }
}

/** Leading `(?ims)` is how the build script keeps regexp flags inside the pattern column. */
function compileRegexp(pattern: string): RegExp {
  const inline = /^\(\?([ims]+)\)/.exec(pattern);
  return inline ? new RegExp(pattern.slice(inline[0].length), inline[1]) : new RegExp(pattern);
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
      const re = compileRegexp(pattern);
      return (value) => re.test(value);
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
  /** Body `contains` rules, all found in one automaton pass. */
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
      const key = canon(fp.pattern);
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
        const key = canon(addr);
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
