/**
 * Detour in the user's language, on a small screen (issue 10): each build runs in Russian,
 * Persian and Arabic (the browser's own UI language, so the browser's i18n picks the strings), at
 * 360 px wide as Firefox for Android shows the popup. The status view and a verdict must be in that
 * language, right to left for Persian and Arabic, and nothing may stick out sideways. Screenshots
 * land in test-results/screenshots/ (status-<build>-<lang>-360.png, verdict-<build>-<lang>-360.png).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderStatusResponse } from '../../lib/messages';
import { localeMessages } from '../../scripts/locales';
import { catalogInternet } from '../lab/catalog-internet';
import type { LabBrowser, LabLocale } from '../lab/lab-browser';
import { freshStart, launchDetour, startLabWithControl, TARGETS, type LabWithControl, type Target } from './detour';

const SCREENSHOTS = path.resolve('test-results/screenshots');
const SMALL = { width: 360, height: 740 };
// English at 400 px is in status-check.test.ts; these are the longest strings and the right-to-left ones.
const LANGUAGES: LabLocale[] = ['ru', 'fa', 'ar'];
const RTL = new Set<LabLocale>(['fa', 'ar']);

let world: LabWithControl;

beforeAll(async () => {
  world = await startLabWithControl();
  await fs.mkdir(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await world?.close();
});

const cases = TARGETS.flatMap((target) => LANGUAGES.map((lang) => ({ target, lang })));

describe.each<{ target: Target; lang: LabLocale }>(cases)('$target in $lang', ({ target, lang }) => {
  const messages = localeMessages(lang);
  const text = (key: string) => messages[key]!.message;
  let browser: LabBrowser;

  beforeAll(async () => {
    browser = await launchDetour(target, world.lab, { locale: lang });
    await world.lab.reset();
    await catalogInternet(world.lab, { proton: 'dns' });
    await freshStart(browser);
    const started = Date.now();
    await browser.sendMessage({ type: 'check-providers' });
    await browser.waitForMessage<ProviderStatusResponse>(
      { type: 'get-provider-status' },
      (s) => !!s.run && s.run.startedAt >= started && s.run.finishedAt !== undefined && !s.providers.some((p) => p.checking),
      30_000,
    );
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the status view in the language, in its direction, within 360 px', async () => {
    const view = await browser.inspect('popup.html?view=status', '[data-testid=status-view]', {
      ready: (d) => d.summary?.includes('blocked:1') ?? false,
      viewport: SMALL,
      file: path.join(SCREENSHOTS, `status-${target}-${lang}-360.png`),
    });
    expect(view.page.lang.split('-')[0]).toBe(lang);
    expect(view.page.dir).toBe(RTL.has(lang) ? 'rtl' : 'ltr');
    expect(view.page.overflowsX).toBe(false);
    // The heading is styled upper case, and innerText returns it so.
    expect(view.text.toLowerCase()).toContain(text('statusTitle').toLowerCase());
    expect(view.text).toContain(text('statusState_blocked'));
    expect(view.text).toContain(text('statusState_works'));
  });

  it('explains a verdict in the language, in its direction, within 360 px', async () => {
    const verdict = await browser.inspect('popup.html?host=mail.proton.me', '[data-testid=verdict]', {
      ready: (d) => d.kind === 'censorship',
      viewport: SMALL,
      file: path.join(SCREENSHOTS, `verdict-${target}-${lang}-360.png`),
    });
    expect(verdict.page.dir).toBe(RTL.has(lang) ? 'rtl' : 'ltr');
    expect(verdict.page.overflowsX).toBe(false);
    expect(verdict.text).toContain(text('verdict_kind_censorship'));
    expect(verdict.text).toContain(text('verdict_method_dns'));
    // The check's failure is not in the log; the card must not say "no problems" above the verdict.
    const card = await browser.inspect('popup.html?host=mail.proton.me', '[data-testid=current]');
    expect(card.text).not.toContain(text('popupCurrentOk').replace('$1', 'mail.proton.me'));
  });
});
