/**
 * `npm run bench:server [-- --duration 60] [-- --connections 50,200] [-- --target http]`
 *
 * Load on the control service, loopback only, three processes: an HTTPS target site (certificate
 * from a throwaway CA) with a lab DNS server (target.ts); the service (`node --import tsx
 * server/main.ts`, so the child's PID is the service's own) with loopback targets allowed and rate
 * limiting off; and autocannon, here, keeping N clients each with one control measurement in flight.
 * Every measurement does DNS (A+AAAA), TCP+TLS to the endpoint and an HTTPS GET of a 16 KiB page.
 *
 * Reports requests/s, exact p50/p95/p99 latency (from every response time, not autocannon's fixed
 * percentiles), and the service's RSS sampled from /proc/PID/status every 500 ms: at start, peak,
 * end, and the least-squares slope over the run (MiB/min) for the memory-flat check.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import type { TargetInfo } from './target';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TARGET_HOST = 'mail.bench.test';

/** The little of autocannon 8's API used here (it ships no types; no @types package installed). */
interface AutocannonResult {
  non2xx: number;
  errors: number;
  timeouts: number;
}
interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, responseTime: number) => void): void;
}
type Autocannon = (
  options: { url: string; method: string; headers: Record<string, string>; body: string; connections: number; duration: number; timeout: number },
  done: (error: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '20' },
    connections: { type: 'string', default: '50,200' },
    target: { type: 'string', default: 'https' },
    'max-concurrent': { type: 'string' },
  },
});
const duration = Number(args.duration);
const levels = args.connections.split(',').map(Number);
if (!Number.isFinite(duration) || duration <= 0 || levels.some((n) => !Number.isInteger(n) || n <= 0)) {
  console.error('usage: bench.ts [--duration SECONDS] [--connections 50,200] [--target https|http]');
  process.exit(2);
}

function rssKiB(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) the process has used so far, in ms, from /proc/PID/stat. */
function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // After "pid (comm) ": state is field 3, utime field 14, stime field 15 (1-based, proc(5)).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Least-squares slope of RSS over time, in MiB per minute. */
function slopeMiBPerMin(samples: Array<{ t: number; kib: number }>): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mt = samples.reduce((s, x) => s + x.t, 0) / n;
  const mk = samples.reduce((s, x) => s + x.kib, 0) / n;
  const num = samples.reduce((s, x) => s + (x.t - mt) * (x.kib - mk), 0);
  const den = samples.reduce((s, x) => s + (x.t - mt) ** 2, 0);
  return den === 0 ? 0 : (num / den / 1024) * 60_000;
}

/** Starts `node --import tsx <script>`; resolves once a stdout line matches. */
async function startChild(script: string, scriptArgs: string[], env: Record<string, string>, ready: RegExp) {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...scriptArgs], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      const m = ready.exec(output);
      if (m) resolve(m);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${output}`)));
  });
  child.stdout!.resume();
  return { child, match };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

interface Row {
  connections: number;
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  non2xx: number;
  errors: number;
  controlFailures: number;
  failureKinds: string;
  cpuPerMeasurement: number;
  rssStart: number;
  rssPeak: number;
  rssEnd: number;
  slope: number;
  /** The slope over the second half of the run: growth that is not ramp-up. */
  lateSlope: number;
}

interface Metrics {
  failures: Record<string, Record<string, number>>;
}

async function metrics(url: string): Promise<Metrics> {
  return (await (await fetch(`${url}/metrics`)).json()) as Metrics;
}

async function run(url: string, pid: number, body: string, connections: number, seconds = duration): Promise<Row> {
  const samples: Array<{ t: number; kib: number }> = [];
  const t0 = Date.now();
  const sample = () => {
    const kib = rssKiB(pid);
    if (kib !== undefined) samples.push({ t: Date.now() - t0, kib });
  };
  sample();
  const sampler = setInterval(sample, 500);
  const before = await metrics(url);
  const cpuBefore = cpuMs(pid);
  const latencies: number[] = [];
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const instance = autocannon(
      { url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, duration: seconds, timeout: 20 },
      (error, res) => (error ? reject(error) : resolve(res)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
  clearInterval(sampler);
  sample();
  const cpuUsed = cpuMs(pid) - cpuBefore;
  const after = await metrics(url);
  latencies.sort((a, b) => a - b);
  const kib = samples.map((s) => s.kib);
  return {
    connections,
    requests: latencies.length,
    rps: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    // Measurements still in flight when autocannon stops lose their client and end `interrupted`:
    // an artefact of stopping, not a failure of the service.
    controlFailures: Object.entries(after.failures.http ?? {})
      .filter(([kind]) => kind !== 'interrupted')
      .reduce((sum, [kind, n]) => sum + n - (before.failures.http?.[kind] ?? 0), 0),
    failureKinds: Object.entries(after.failures)
      .flatMap(([step, kinds]) => Object.entries(kinds).map(([kind, n]) => [`${step} ${kind}`, n - (before.failures[step]?.[kind] ?? 0)] as const))
      .filter(([kind, n]) => n > 0 && !kind.endsWith('interrupted'))
      .map(([kind, n]) => `${kind}: ${n}`)
      .join(', '),
    cpuPerMeasurement: latencies.length > 0 ? cpuUsed / latencies.length : NaN,
    rssStart: kib[0]! / 1024,
    rssPeak: Math.max(...kib) / 1024,
    rssEnd: kib[kib.length - 1]! / 1024,
    slope: slopeMiBPerMin(samples),
    lateSlope: slopeMiBPerMin(samples.slice(Math.floor(samples.length / 2))),
  };
}

/** Children to stop however the run ends, so a failed benchmark leaves no process behind. */
const children: ChildProcess[] = [];

async function main(): Promise<void> {
  const https = args.target !== 'http';
  const target = await startChild('server/bench/target.ts', [https ? 'https' : 'http', TARGET_HOST], {}, /^(\{.*\})$/m);
  children.push(target.child);
  const info = JSON.parse(target.match[1]!) as TargetInfo;
  const service = await startChild(
    'server/main.ts',
    [],
    {
      DETOUR_PORT: '0',
      DETOUR_LOG_LEVEL: 'info',
      DETOUR_ALLOW_LOOPBACK_TARGETS: '1',
      DETOUR_ALLOWED_PORTS: 'any',
      DETOUR_RATE_LIMIT_MAX: '0',
      DETOUR_MAX_CONNECTIONS_PER_CLIENT: '100000',
      DETOUR_DNS_SERVERS: `127.0.0.1:${info.dnsPort}`,
      DETOUR_EXTRA_CA_FILE: info.caFile,
      ...(args['max-concurrent'] ? { DETOUR_MAX_CONCURRENT: args['max-concurrent'] } : {}),
    },
    /Server listening at (http:\/\/[^"\s]+)/,
  );
  children.push(service.child);
  const url = service.match[1]!;
  const pid = service.child.pid!;
  const body = JSON.stringify({
    http_request: `${https ? 'https' : 'http'}://${TARGET_HOST}:${info.sitePort}/inbox`,
    http_request_headers: { 'User-Agent': ['DetourBench/1'] },
    tcp_connect: [`127.0.0.1:${info.sitePort}`],
  });

  // One checked measurement first: the benchmark must measure successes, not fast failures.
  const probe = (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json()) as {
    http_request: { status_code: number; body_length: number };
  };
  if (probe.http_request.status_code !== 200 || probe.http_request.body_length !== info.bodyLength) {
    throw new Error(`warm-up measurement did not match the target: ${JSON.stringify(probe)}`);
  }

  // Warm-up, not reported: JIT, TLS session caches and the heap settle before anything is measured.
  process.stderr.write('bench: warming up for 3 s...\n');
  await run(url, pid, body, 50, 3);

  const rows: Row[] = [];
  for (const connections of levels) {
    process.stderr.write(`bench: ${connections} concurrent clients for ${duration} s...\n`);
    rows.push(await run(url, pid, body, connections));
  }

  await Promise.all(children.map(stop));

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  // Load from other work on the machine at the end of the run: benchmarks on a shared box are noisy.
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(`\n${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores (${cpu}), Node ${process.version}, ` +
    `${https ? 'HTTPS' : 'HTTP'} target, ${duration} s per level, service max concurrent ${args['max-concurrent'] ?? 'default'}, load average ${load}\n`);
  console.log('| clients | measurements | req/s | p50 ms | p95 ms | p99 ms | non-2xx | errors | failed fetches¹ | service CPU ms/measurement | RSS start MiB | RSS peak MiB | RSS end MiB | RSS slope MiB/min (whole run / 2nd half) |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.connections} | ${r.requests} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(0)} | ${r.p95.toFixed(0)} | ${r.p99.toFixed(0)} | ` +
        `${r.non2xx} | ${r.errors} | ${r.controlFailures}${r.failureKinds ? ` (${r.failureKinds})` : ''} | ${r.cpuPerMeasurement.toFixed(1)} | ${r.rssStart.toFixed(0)} | ${r.rssPeak.toFixed(0)} | ${r.rssEnd.toFixed(0)} | ${r.slope.toFixed(1)} / ${r.lateSlope.toFixed(1)} |`,
    );
  }
  console.log('\n¹ control answers whose fetch failed, not counting the ones cut off (`interrupted`) when autocannon stops.');
}

main().catch(async (error: unknown) => {
  console.error(error);
  await Promise.all(children.map(stop));
  process.exit(1);
});
