/**
 * The operator page in real Chromium against the real service (`node --import tsx server/main.ts`,
 * a child process, SQLite in a temp directory, default k = 10): twelve DNS-blocking reports of
 * proton.me from RU (published) and three TLS ones (a sub-k cell, never shown) go in through
 * POST /api/v1/reports; the page must show the first in its chart and table and not the second, load
 * under its Content-Security-Policy without a single violation, and leave a screenshot in
 * test-results/operator-page.png (with DETOUR_UPDATE_SCREENSHOTS=1, in
 * docs/screenshots/operator-page.png, the one server/README.md shows: a test run does not rewrite a
 * tracked file). Runs inside scripts/in-lab-netns.sh (loopback only).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCREENSHOT = path.join(ROOT, process.env.DETOUR_UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results', 'operator-page.png');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'detour-operator-'));
let child: ChildProcess;
let url: string;
let browser: Browser;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const hourIso = (ms: number) => new Date(ms - (ms % 3600_000)).toISOString().replace('.000Z', 'Z');

function report(hour: string, method: string, country = 'RU') {
  return { domain: 'proton.me', provider: 'proton', kind: 'censorship', method, local_cause: null, failure: method === 'dns' ? 'dns' : 'reset', country, hour, version: '0.1.0', browser: 'chromium' };
}

async function send(reports: unknown[]): Promise<void> {
  const res = await fetch(`${url}/api/v1/reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ batch_id: randomUUID(), reports }),
  });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  const port = await freePort();
  child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DETOUR_PORT: String(port), DETOUR_LOG_LEVEL: 'warn', DETOUR_DATABASE_URL: `sqlite:${path.join(dir, 'reports.sqlite')}` },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      if (i > 300) throw new Error('service did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const now = Date.now();
  const today = hourIso(now);
  const yesterday = hourIso(now - 24 * 3600_000);
  // DNS blocking of proton.me from RU: 12 reports today and 11 yesterday (k = 10: both published), in
  // separate batches as separate people send them. Sub-k cells, never published: 3 TLS reports
  // yesterday, and 4 DNS reports from DE today.
  for (const [hour, n] of [[today, 5], [today, 7], [yesterday, 6], [yesterday, 5]] as const) {
    await send(Array.from({ length: n }, () => report(hour, 'dns')));
  }
  await send(Array.from({ length: 3 }, () => report(yesterday, 'tls')));
  await send(Array.from({ length: 4 }, () => report(today, 'dns', 'DE')));
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-first-run', '--disable-background-networking'] });
});

afterAll(async () => {
  await browser?.close();
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the operator page in Chromium', () => {
  it('charts the published aggregate, leaves the sub-k cells out, and runs clean under its CSP', async () => {
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const [d0, d1] = [day(Date.now()), day(Date.now() - 24 * 3600_000)];
    // The public API publishes the same two cells, and nothing else.
    const api = (await (await fetch(`${url}/api/v1/aggregates?domain=proton.me`)).json()) as { rows: unknown[] };
    expect(api.rows).toEqual([
      { domain: 'proton.me', country: 'RU', method: 'dns', day: d0, count: 12 },
      { domain: 'proton.me', country: 'RU', method: 'dns', day: d1, count: 11 },
    ]);

    const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    const response = await page.goto(`${url}/operator`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
    expect(await page.locator('h1').textContent()).toBe('Detour failure reports');
    // The stylesheet applied (it is the CSP's one allowed resource): the body is no longer the default serif.
    expect(await page.evaluate(() => getComputedStyle(document.body).fontFamily)).toMatch(/system-ui/);

    const sections = page.locator('section.series');
    expect(await sections.count()).toBe(1);
    const ru = page.locator('section.series[data-provider="proton"][data-country="RU"]');
    expect(await ru.locator('h2').textContent()).toBe('proton · RU · 23 reports');
    const cells = await ru.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    expect(cells).toEqual([
      [d1, 'dns', '11'],
      [d0, 'dns', '12'],
    ]);
    // The chart: one bar per published cell, its height in proportion (the taller one is the max).
    const bars = await ru.locator('svg[role="img"] rect').evaluateAll((rects) =>
      rects.map((r) => ({ title: r.querySelector('title')?.textContent, height: Number(r.getAttribute('height')) })),
    );
    expect(bars.map((b) => b.title)).toEqual([`${d1} dns: 11`, `${d0} dns: 12`]);
    expect(bars[0]!.height / bars[1]!.height).toBeCloseTo(11 / 12, 2);
    // The sub-k cells are nowhere: no TLS, no DE.
    const text = (await page.locator('body').textContent()) ?? '';
    expect(text).not.toContain('tls');
    expect(text).not.toContain('DE');
    expect(await page.locator('.legend li').allTextContents()).toEqual(['dns']);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await page.close();
    expect(problems).toEqual([]);
    console.log(`operator page: 1 section, 2 published cells, sub-k cells absent; screenshot ${path.relative(ROOT, SCREENSHOT)}`);
  });
});
