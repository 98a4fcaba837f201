/**
 * Accessibility (issue 10), in every build: axe-core (from npm, injected into the real extension
 * pages) finds no violation in any popup state, on the options page or on the first-run page, and the status check works by
 * keyboard alone.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderStatusResponse } from '../../lib/messages';
import { catalogInternet } from '../lab/catalog-internet';
import { LAB_NAMES } from '../lab/lab';
import type { LabBrowser } from '../lab/lab-browser';
import { freshStart, launchDetour, startLabWithControl, TARGETS, type LabWithControl, type Target } from './detour';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** Runs axe over the whole page (WCAG 2.x A and AA, and axe's best practices). */
const AUDIT = `${AXE}
  const result = await axe.run(document, { resultTypes: ['violations'] });
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));`;

let world: LabWithControl;

beforeAll(async () => {
  world = await startLabWithControl();
});

afterAll(async () => {
  await world?.close();
});

describe.each<Target>(TARGETS)('%s', (target) => {
  let browser: LabBrowser;
  const audit = (path: string, selector: string, ready?: (d: Record<string, string>) => boolean) =>
    browser.evaluateInPage<Violation[]>(path, selector, AUDIT, { ...(ready ? { ready } : {}), timeoutMs: 20_000 });

  beforeAll(async () => {
    browser = await launchDetour(target, world.lab);
    await world.lab.reset();
    await catalogInternet(world.lab, { proton: 'dns' });
    await freshStart(browser);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('the audit finds a violation planted in the page (so an empty result means something)', async () => {
    const planted = `document.body.append(Object.assign(document.createElement('img'), { src: '/icon/32.png' }));\n${AUDIT}`;
    const found = await browser.evaluateInPage<Violation[]>('popup.html', '[data-testid=empty]', planted);
    expect(found.map((v) => v.id)).toContain('image-alt');
  });

  it('finds no violation in the empty popup, the unwatched site, the options page and the first-run page', async () => {
    expect(await audit('popup.html', '[data-testid=empty]')).toEqual([]);
    expect(await audit(`popup.html?host=${LAB_NAMES.unwatched}`, '[data-testid=current]')).toEqual([]);
    expect(await audit('options.html', '[data-testid=catalog-status]')).toEqual([]);
    expect(await audit('welcome.html', '[data-testid=providers]')).toEqual([]);
  });

  it('works by keyboard alone: to the status view, then "check all"', async () => {
    const switched = await browser.pressKeys('popup.html', '[data-testid=empty]', ['Tab', 'Enter'], '[data-testid=status-view]', {
      ready: (d) => d.summary !== undefined && d.summary !== '',
    });
    expect(switched.focused).toBe('switch-view');
    const before = Date.now();
    const checked = await browser.pressKeys('popup.html?view=status', '[data-testid=check-all]', ['Tab', 'Enter'], '[data-testid=status-view]', {
      ready: (d) => d.running === 'false' && d.total !== '' && d.done === d.total,
      timeoutMs: 20_000,
    });
    // The focus stays on the button while it runs and after (a disabled button would have dropped it).
    expect(checked.focused).toBe('check-all');
    const status = await browser.sendMessage<ProviderStatusResponse>({ type: 'get-provider-status' });
    expect(status.run!.startedAt).toBeGreaterThanOrEqual(before);
    expect(checked.data.summary).toMatch(/blocked:1/);
  });

  it('finds no violation in the status view and in a verdict with its way around', async () => {
    expect(await audit('popup.html?view=status', '[data-testid=status-view]', (d) => (d.summary ?? '').includes('blocked:1'))).toEqual([]);
    expect(await audit('popup.html?host=mail.proton.me', '[data-testid=verdict]', (d) => d.kind === 'censorship')).toEqual([]);
  });
});
