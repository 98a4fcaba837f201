/**
 * The benchmark's target site and lab DNS server, in a process of their own so the target's TLS work
 * does not share an event loop with autocannon (whose timings would then measure the target, not the
 * service). Started by bench.ts; prints one JSON line with its ports and CA file; exits on SIGTERM.
 *
 *   node --import tsx server/bench/target.ts https|http HOST-NAME
 */
import type http from 'node:http';
import { startDnsServer } from '../../test/lab/dns-server';
import { makeTestCa } from '../test/support/pki';
import { page, startHttpsTarget, startHttpTarget } from '../test/support/targets';

export interface TargetInfo {
  sitePort: number;
  dnsPort: number;
  caFile: string;
  bodyLength: number;
}

async function main(): Promise<void> {
  const https = process.argv[2] !== 'http';
  const host = process.argv[3] ?? 'mail.bench.test';
  const ca = makeTestCa('Detour Bench CA');
  const served = page('Detour bench mail', 'z'.repeat(16 * 1024));
  const handler = (_req: http.IncomingMessage, res: http.ServerResponse) =>
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'x-bench': '1' }).end(served.body);
  const site = https ? await startHttpsTarget(ca.issue([host]), handler) : await startHttpTarget(handler);
  const dns = await startDnsServer({ host: '127.0.0.1', port: 0 });
  dns.set(host, { addrs: ['127.0.0.1'], ttl: 60 });
  const info: TargetInfo = { sitePort: site.port, dnsPort: dns.port, caFile: ca.certFile, bodyLength: served.length };
  process.stdout.write(`${JSON.stringify(info)}\n`);
  process.once('SIGTERM', () => {
    void Promise.all([site.close(), dns.close()]).finally(() => {
      ca.remove();
      process.exit(0);
    });
  });
}

void main();
