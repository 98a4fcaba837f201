/**
 * Classifies OONI Web Connectivity measurements with Detour's engine.
 *
 *   npm run classify -- FILE [FILE...]       (FILE may be "-" for stdin, or end in .gz)
 *   npm run classify -- --explain FILE        (adds evidence codes and scores to each line)
 *
 * A file holds one measurement, a JSON array of measurements, or JSON lines (one per line, as OONI's
 * S3 archive and API dumps are). For each measurement one JSON line goes to stdout:
 *
 *   {"input","measurement_uid","report_id","kind","method","confidence","confirmed"}
 *
 * `method` is null unless `kind` is censorship. A line that is not JSON, or JSON that is not a Web
 * Connectivity measurement, gets a message on stderr naming the file and line (or array index); the
 * rest are still classified, and the exit status is 1 at the end. Usage errors exit with 2.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { createGunzip, gunzipSync } from 'node:zlib';
import { ooniToObservations, OoniMeasurementError } from '../engine/ooni-measurement';
import { classify } from '../engine/verdict';

export interface ClassifiedLine {
  input: string;
  measurement_uid: string | null;
  report_id: string | null;
  kind: string;
  method: string | null;
  confidence: number;
  confirmed: boolean;
  evidence?: string[];
  scores?: { blocked: number; down: number; ok: number };
}

export function classifyMeasurement(measurement: unknown, explain = false): ClassifiedLine {
  const { meta, observations } = ooniToObservations(measurement);
  // OONI measurements are judged as of their own time: no staleness penalty.
  const verdict = classify(observations);
  return {
    input: meta.input,
    measurement_uid: meta.measurement_uid,
    report_id: meta.report_id,
    kind: verdict.kind,
    method: verdict.kind === 'censorship' ? (verdict.method ?? null) : null,
    confidence: verdict.confidence,
    confirmed: verdict.confirmed,
    ...(explain ? { evidence: verdict.evidence.map((e) => e.code), ...(verdict.scores ? { scores: verdict.scores } : {}) } : {}),
  };
}

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Classifies one parsed value, reporting a failure as `where: message`. Returns false on failure. */
function handle(value: unknown, where: string, explain: boolean, io: Io): boolean {
  try {
    io.out(JSON.stringify(classifyMeasurement(value, explain)));
    return true;
  } catch (error) {
    const message = error instanceof OoniMeasurementError ? error.message : `engine error: ${(error as Error).stack ?? error}`;
    io.err(`${where}: ${message}`);
    return false;
  }
}

function openText(file: string): Readable {
  const raw = file === '-' ? process.stdin : createReadStream(file);
  return file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
}

function readWhole(file: string): string {
  if (file === '-') return readFileSync(0, 'utf8');
  const bytes = readFileSync(file);
  return (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

/** The first line, to tell an array, a pretty-printed object and JSON lines apart. */
async function firstLine(file: string): Promise<string> {
  const lines = createInterface({ input: openText(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim()) {
      lines.close();
      return line;
    }
  }
  return '';
}

function parsesAlone(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

export async function classifyFile(file: string, explain: boolean, io: Io): Promise<{ ok: number; failed: number }> {
  let ok = 0;
  let failed = 0;
  const count = (good: boolean) => (good ? ok++ : failed++);
  const lineByLine = async (input: Readable) => {
    let lineNo = 0;
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      lineNo++;
      if (!text.trim()) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        io.err(`${file}:${lineNo}: invalid JSON: ${(error as Error).message}`);
        failed++;
        continue;
      }
      count(handle(value, `${file}:${lineNo}`, explain, io));
    }
  };

  // stdin cannot be read twice: it is always JSON lines.
  const first = file === '-' ? '{}' : await firstLine(file);
  const trimmed = first.trimStart();
  if (trimmed.startsWith('{') && parsesAlone(first)) {
    await lineByLine(openText(file));
    return { ok, failed };
  }
  // An array, or one pretty-printed measurement: parse the whole document.
  const text = readWhole(file);
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch (error) {
    if (trimmed.startsWith('[')) {
      io.err(`${file}: invalid JSON: ${(error as Error).message}`);
      return { ok, failed: 1 };
    }
    // Neither one document nor clean JSON lines: report each bad line, classify the good ones.
    await lineByLine(Readable.from([text]));
    return { ok, failed };
  }
  if (Array.isArray(whole)) whole.forEach((value, index) => count(handle(value, `${file}[${index}]`, explain, io)));
  else count(handle(whole, file, explain, io));
  return { ok, failed };
}

export async function main(argv: string[], io: Io = { out: (l) => console.log(l), err: (l) => console.error(l) }): Promise<number> {
  const explain = argv.includes('--explain');
  const files = argv.filter((a) => a !== '--explain' && a !== '--');
  if (!files.length || files.includes('--help') || files.includes('-h')) {
    io.err('usage: npm run classify -- [--explain] FILE [FILE...]   (FILE: one measurement, a JSON array or JSON lines; - for stdin)');
    return 2;
  }
  let failed = 0;
  for (const file of files) {
    try {
      failed += (await classifyFile(file, explain, io)).failed;
    } catch (error) {
      io.err(`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
      failed++;
    }
  }
  return failed ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
