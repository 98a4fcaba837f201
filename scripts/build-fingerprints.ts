/**
 * Builds engine/fingerprints.data.json from OONI's block-page fingerprint CSVs.
 *
 *   npx tsx scripts/build-fingerprints.ts [--check]
 *
 * Input: data/blocking-fingerprints/fingerprints_{dns,http}.csv, the two CSVs of
 * ooni/blocking-fingerprints @ 171641e60b54231cad18753a72145da87b0d3e07, kept byte for byte. Output: a compact JSON the
 * engine bundles: only the columns it matches on, rows as arrays, and a header that credits the sources
 * and lists every regular expression that had to be converted or was skipped (and why).
 *
 * The CSV regexps are Python `re` syntax. Most are valid JavaScript as they are; the few Python-only
 * constructs are converted (named groups, global inline flags, \A and \Z), and what cannot be converted
 * or could backtrack catastrophically on a 64 KiB body is skipped and reported, never silently dropped.
 * At run time the engine matches regexps with engine/linear-pattern.ts, never with RegExp.
 *
 * `--check` rebuilds in memory and exits 1 when the committed file differs (for CI).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalIp } from '../engine/ip';
import type { FingerprintRow, FingerprintsData, RegexpReport } from '../engine/fingerprints';
import { compileLinearPattern } from '../engine/linear-pattern';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DATA_DIR = resolve(REPO, 'data/blocking-fingerprints');
const OUTPUT = resolve(REPO, 'engine/fingerprints.data.json');
const SOURCE_REPO = 'ooni/blocking-fingerprints';
const SOURCE_COMMIT = '171641e60b54231cad18753a72145da87b0d3e07';

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.length > 1 || r[0] !== '');
}

function readTable(file: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  if (!header) throw new Error(`${file}: empty`);
  return rows.map((cells, index) => {
    if (cells.length !== header.length) {
      throw new Error(`${file}: row ${index + 2} has ${cells.length} fields, the header ${header.length}`);
    }
    return Object.fromEntries(header.map((name, i) => [name, cells[i]!]));
  });
}

/**
 * Python `re` to JavaScript. Returns the JS source and flags, or a reason to skip. Compiled without the
 * `u` flag on purpose: Python, like JavaScript's Annex B, reads a `{` that starts no quantifier as a
 * literal (one CSV pattern, `{"msg":.*"id":`, relies on that).
 */
export function pythonRegexToJs(pattern: string): { source: string; flags: string; changed: boolean } | { skip: string } {
  let source = pattern;
  let flags = '';
  const inline = /^\(\?([aiLmsux]+)\)/.exec(source);
  if (inline) {
    for (const flag of inline[1]!) {
      if (flag === 'i' || flag === 'm' || flag === 's') flags += flag;
      else if (flag !== 'u') return { skip: `inline flag (?${flag}) has no JavaScript equivalent` };
    }
    source = source.slice(inline[0].length);
  }
  if (/\(\?>|[*+?}][+]/.test(source.replace(/\\./g, ''))) {
    return { skip: 'atomic group or possessive quantifier (not in JavaScript)' };
  }
  if (/\(\?\(/.test(source)) return { skip: 'conditional group (not in JavaScript)' };
  source = source
    .replace(/\(\?#[^)]*\)/g, '')
    .replace(/\(\?P<([A-Za-z_]\w*)>/g, '(?<$1>')
    .replace(/\(\?P=([A-Za-z_]\w*)\)/g, '\\k<$1>')
    .replace(/\\A/g, '^')
    .replace(/\\Z/g, '$');
  // Nested unbounded quantifiers, e.g. (a+)+ or (.*x)*, backtrack exponentially on a hostile body.
  if (/\((?:[^()\\]|\\.)*[*+](?:[^()\\]|\\.)*\)[*+{]/.test(source)) {
    return { skip: 'nested unbounded quantifiers (catastrophic backtracking risk)' };
  }
  try {
    new RegExp(source, flags);
  } catch (error) {
    return { skip: `not valid JavaScript: ${(error as Error).message}` };
  }
  return { source, flags, changed: source !== pattern || flags !== '' };
}

export function buildFingerprints(): FingerprintsData {
  const report: RegexpReport = { total: 0, converted: [], skipped: [] };
  const rows = (file: string): FingerprintRow[] => {
    const out: FingerprintRow[] = [];
    for (const r of readTable(resolve(DATA_DIR, file))) {
      const name = r.name!.trim();
      const location = r.location_found!.trim().toLowerCase();
      const type = r.pattern_type!.trim() as FingerprintRow[3];
      let pattern = r.pattern!;
      if (!['full', 'prefix', 'contains', 'regexp'].includes(type)) {
        report.skipped.push({ name, pattern, reason: `unknown pattern_type ${type}` });
        continue;
      }
      if (location === 'dns') {
        // Answers are compared as canonical addresses, so d0::11 matches d0:0:0:0:0:0:0:11.
        pattern = canonicalIp(pattern.trim()) ?? pattern.trim();
      }
      if (type === 'regexp') {
        report.total++;
        const converted = pythonRegexToJs(pattern);
        if ('skip' in converted) {
          report.skipped.push({ name, pattern, reason: converted.skip });
          continue;
        }
        const stored = converted.flags ? `(?${converted.flags})${converted.source}` : converted.source;
        // What the engine cannot match in linear time it will not match at all: say so here.
        try {
          compileLinearPattern(stored);
        } catch (error) {
          report.skipped.push({ name, pattern, reason: `outside the linear subset: ${(error as Error).message}` });
          continue;
        }
        if (converted.changed) {
          report.converted.push({ name, from: pattern, to: converted.source, flags: converted.flags });
          pattern = stored;
        }
      }
      const countries = r.expected_countries!
        .split(',')
        .map((c) => c.trim().toUpperCase())
        .filter(Boolean)
        .join(',');
      const confidence = Number(r.confidence_no_fp);
      out.push([name, r.scope!.trim(), location, type, pattern, countries, Number.isFinite(confidence) ? confidence : 0]);
    }
    return out;
  };
  const dns = rows('fingerprints_dns.csv');
  const http = rows('fingerprints_http.csv');
  return {
    credit:
      'Block-page fingerprints from ooni/blocking-fingerprints, collected from OONI\'s measurement pipeline, ' +
      'Censored Planet and Citizen Lab\'s filtering annotations. The repository states no licence of its own: ' +
      'credit those sources wherever this data ships. See engine/FINGERPRINTS-CREDITS.md.',
    source: `https://github.com/${SOURCE_REPO}/tree/${SOURCE_COMMIT}`,
    commit: SOURCE_COMMIT,
    generatedBy: 'scripts/build-fingerprints.ts',
    columns: ['name', 'scope', 'location_found', 'pattern_type', 'pattern', 'expected_countries', 'confidence_no_fp'],
    regexp: report,
    dns,
    http,
  };
}

/** One row per line keeps the committed file diffable and still compact. */
export function serialize(data: FingerprintsData): string {
  const { dns, http, ...header } = data;
  const table = (rows: FingerprintRow[]) => rows.map((row) => '    ' + JSON.stringify(row)).join(',\n');
  const head = JSON.stringify(header, null, 2).replace(/\n}$/, '');
  return `${head},\n  "dns": [\n${table(dns)}\n  ],\n  "http": [\n${table(http)}\n  ]\n}\n`;
}

function main(): void {
  const data = buildFingerprints();
  const text = serialize(data);
  JSON.parse(text);
  if (process.argv.includes('--check')) {
    const committed = readFileSync(OUTPUT, 'utf8');
    if (committed !== text) {
      console.error('engine/fingerprints.data.json is out of date: run npx tsx scripts/build-fingerprints.ts');
      process.exit(1);
    }
    console.log('engine/fingerprints.data.json is up to date');
    return;
  }
  writeFileSync(OUTPUT, text);
  const { regexp } = data;
  console.log(`wrote ${OUTPUT}: ${data.dns.length} DNS + ${data.http.length} HTTP fingerprints, ${text.length} bytes`);
  console.log(`regexps: ${regexp.total} in the CSVs, ${regexp.converted.length} converted, ${regexp.skipped.length} skipped`);
  for (const s of regexp.skipped) console.log(`  skipped ${s.name}: ${s.reason}`);
  for (const c of regexp.converted) console.log(`  converted ${c.name}: ${c.from} -> ${c.to} /${c.flags}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
