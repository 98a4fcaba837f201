/**
 * The popup's status view (issue 10), end to end: every catalog provider is served by the lab (each
 * at its own address, under a lab certificate), "Check all" is clicked in the real popup, and the
 * page fills the results in as they arrive, with no reload. Then three providers are blocked three
 * ways at once, and each is named by its method while the rest work. Screenshots land in
 * test-results/screenshots/.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderStatusResponse } from '../../lib/messages';
import { catalogInternet } from '../lab/catalog-internet';
import type { LabBrowser } from '../lab/lab-browser';
import { freshStart, launchDetour, startLabWithControl, TARGETS, type LabWithControl, type Target } from './detour';

const SCREENSHOTS = path.resolve('test-results/screenshots');
const BLOCKS = { proton: 'dns', tuta: 'sni-reset', posteo: 'blackhole' } as const;

let world: LabWithControl;

beforeAll(async () => {
  world = await startLabWithControl();
  await fs.mkdir(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await world?.close();
});

const providerStatus = (browser: LabBrowser) => browser.sendMessage<ProviderStatusResponse>({ type: 'get-provider-status' });

/** Clicks "Check all" in the popup and waits, on that same page, until it shows the run finished. */
async function checkAllInPopup(browser: LabBrowser, timeoutMs: number, file?: string) {
  const before = Date.now();
  const shown = await browser.clickInExtension('popup.html?view=status', '[data-testid=check-all]', '[data-testid=status-view]', {
    ready: (d) => d.running === 'false' && d.total !== '' && d.done === d.total,
    timeoutMs,
    ...(file ? { file } : {}),
  });
  const status = await providerStatus(browser);
  expect(status.run!.startedAt).toBeGreaterThanOrEqual(before);
  return { shown, status, ms: status.run!.finishedAt! - status.run!.startedAt };
}

describe.each<Target>(TARGETS)('%s', (target) => {
  let browser: LabBrowser;

  beforeAll(async () => {
    browser = await launchDetour(target, world.lab);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('lists every watched provider, not checked yet, before any check', async () => {
    await world.lab.reset();
    await catalogInternet(world.lab);
    await freshStart(browser);
    const view = await browser.inspect('popup.html?view=status', '[data-testid=status-view]', { ready: (d) => d.summary !== '' });
    const status = await providerStatus(browser);
    expect(status.providers.length).toBeGreaterThanOrEqual(30);
    expect(view.data.summary).toBe(`unchecked:${status.providers.length}`);
    expect(view.text).toContain('Proton Mail');
  });

  it('checks the whole catalog from the popup, every provider working, in under 3 s', async () => {
    await world.lab.reset();
    await catalogInternet(world.lab);
    await freshStart(browser);
    const { shown, status, ms } = await checkAllInPopup(browser, 20_000, path.join(SCREENSHOTS, `status-${target}-en.png`));
    const notWorking = status.providers.filter((p) => p.state !== 'works');
    expect(notWorking, JSON.stringify(notWorking)).toEqual([]);
    expect(shown.data.summary).toBe(`works:${status.providers.length}`);
    expect(status.run!.total).toBe(status.providers.length);
    expect(ms).toBeLessThan(3000);
    // One light request each and nothing more: no probe run, so no verdict.
    const overview = await browser.sendMessage<{ hosts: unknown[] }>({ type: 'get-overview' });
    expect(overview.hosts).toEqual([]);
  });

  it('names three providers blocked three ways while the rest work', async () => {
    await world.lab.reset();
    await catalogInternet(world.lab, BLOCKS);
    await freshStart(browser);
    const { shown, status } = await checkAllInPopup(browser, 30_000);
    const byKey = new Map(status.providers.map((p) => [p.key, p]));
    expect(byKey.get('proton'), JSON.stringify(byKey.get('proton'))).toMatchObject({ state: 'blocked', method: 'dns' });
    // A reset after the ClientHello: the browser cannot tell it from a reset on the way (tls-sni-reset).
    expect(byKey.get('tuta')!.state, JSON.stringify(byKey.get('tuta'))).toBe('blocked');
    expect(['http-failure', 'tls']).toContain(byKey.get('tuta')!.method);
    expect(byKey.get('posteo'), JSON.stringify(byKey.get('posteo'))).toMatchObject({ state: 'blocked', method: 'tcp_ip' });
    const rest = status.providers.filter((p) => !(p.key in BLOCKS));
    expect(rest.filter((p) => p.state !== 'works')).toEqual([]);
    expect(shown.data.summary).toBe(`blocked:3,works:${rest.length}`);
    // The popup row says so in words.
    await browser.inspect('popup.html?view=status', '[data-testid=status-view]', { file: path.join(SCREENSHOTS, `status-blocked-${target}-en.png`) });
    const row = await browser.inspect('popup.html?view=status', '[data-key=proton]');
    expect(row.text).toMatch(/Blocked/);
    expect(row.text).toMatch(/false address \(DNS\)/);
  });

  it('checks one provider on its own', async () => {
    await world.lab.reset();
    await catalogInternet(world.lab, { riseup: 'dns' });
    await freshStart(browser);
    const row = await browser.clickInExtension('popup.html?view=status', '[data-key=riseup] button', '[data-key=riseup]', {
      // The verdict is stored a moment before the check is over: wait for both, as the user's eye does.
      ready: (d) => d.state === 'blocked' && d.checking === 'false',
      timeoutMs: 15_000,
    });
    expect(row.text).toMatch(/Blocked/);
    const status = await providerStatus(browser);
    expect(status.run).toBeUndefined();
    expect(status.providers.filter((p) => p.state !== 'unchecked').map((p) => p.key)).toEqual(['riseup']);
  });
});
