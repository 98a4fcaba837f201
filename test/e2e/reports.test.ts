/**
 * Failure reports end to end (issue 11), in real Chromium and Firefox against the real service (a
 * fresh SQLite database, k = 2): each browser's user picks a country and opts in on the options page
 * (a real click; in Firefox that click asks for the optional data-collection permission, which the
 * pref extensions.webextOptionalPermissionPrompts=false accepts as a user would), meets a DNS block,
 * and the report arrives. After the first browser's report the aggregate is still hidden (1 < k),
 * and its popup says nothing of others; after the second's it is published with both counted, and
 * the first browser's popup shows it under its verdict.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabBrowser } from '../lab/lab-browser';
import { LAB_CONTROL_URL, SCENARIOS } from '../lab/scenarios';
import { launchDetour, SITE, startLabWithControl, visit, type LabWithControl, type Target } from './detour';

const K = 2;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'detour-e2e-reports-'));
let world: LabWithControl;

beforeAll(async () => {
  world = await startLabWithControl({ databaseUrl: `sqlite:${path.join(dir, 'reports.sqlite')}`, reportsK: K, reportRateLimitMax: 0 });
  await world.control.store.migrate();
});
afterAll(async () => {
  await world?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function aggregates(): Promise<Array<{ domain: string; country: string | null; method: string | null; count: number }>> {
  const res = await fetch(`${LAB_CONTROL_URL}/api/v1/aggregates?domain=${SITE}&country=RU`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { rows: Array<{ domain: string; country: string | null; method: string | null; count: number }> }).rows;
}

async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function optInAndFail(target: Target): Promise<LabBrowser> {
  const browser = await launchDetour(target, world.lab, {
    firefoxPrefs: { 'extensions.webextOptionalPermissionPrompts': false },
  });
  // The report service is the lab's own service; a short delay so the test need not wait half an hour.
  const set = await browser.sendMessage<{ problems: unknown[] }>({ type: 'set-settings', settings: { reportUrls: [LAB_CONTROL_URL], reportMaxDelayMs: 1000, country: 'RU' } });
  expect(set.problems).toEqual([]);
  const off = await browser.inspect('options.html', '[data-testid=reports]');
  expect(off.data.enabled).toBe('false');
  // Before opting in the page shows every field of what would be sent.
  const preview = await browser.inspect('options.html', '[data-testid=report-preview]');
  expect(preview.data.source).toBe('sample');
  for (const field of ['domain', 'provider', 'kind', 'method', 'local_cause', 'failure', 'country', 'hour', 'version', 'browser']) expect(preview.text).toContain(field);

  const status = await browser.clickInExtension('options.html', '[data-testid=reports-toggle]', '[data-testid=status]');
  expect(status.text).toBe('Reports are on. Nothing is sent until a watched site fails.');
  if (target !== 'chromium') {
    const granted = await browser.evaluateInExtension<boolean>(
      `return browser.permissions.contains({ data_collection: ['browsingActivity', 'technicalAndInteraction', 'locationInfo'] });`,
    );
    expect(granted).toBe(true);
  }

  const { state } = await visit(browser, world.lab, SCENARIOS['dns-nxdomain'], { verdict: true });
  expect(state.verdict?.verdict).toMatchObject({ kind: 'censorship' });
  return browser;
}

describe('failure reports, opted in on the options page', () => {
  const browsers: LabBrowser[] = [];
  afterAll(async () => {
    await Promise.all(browsers.map((b) => b.close()));
  });

  it('Chromium: the report arrives; the aggregate stays hidden below k', async () => {
    browsers.push(await optInAndFail('chromium'));
    const total = await waitFor(() => world.control.store.totalReports(), (n) => n >= 1);
    expect(total).toBe(1);
    expect(await aggregates()).toEqual([]);
    const verdict = await browsers[0]!.inspect(`popup.html?host=${SITE}`, '[data-testid=verdict]', { ready: (d) => d.kind === 'censorship' });
    expect(verdict.text).not.toContain('Other Detour users');
  }, 90_000);

  it('Firefox: its report arrives too, and the aggregate is published once k is reached', async () => {
    browsers.push(await optInAndFail('firefox-mv2'));
    const total = await waitFor(() => world.control.store.totalReports(), (n) => n >= 2);
    expect(total).toBe(2);
    const rows = await aggregates();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ domain: SITE, country: 'RU', count: 2 });
    // Another browser's popup: Chromium's, opened again, now tells the published count.
    const seen = await browsers[0]!.inspect(`popup.html?host=${SITE}`, '[data-testid=reports-seen]', { timeoutMs: 15_000 });
    expect(seen.data.count).toBe('2');
    expect(seen.text).toBe('Reports of the same block from RU this week: 2');
  }, 90_000);
});
