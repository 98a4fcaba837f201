/**
 * A user adds a mail site of their own on the options page and later removes it: the browser is asked
 * for that one host at that moment, failures there are then recorded, and removing it gives the
 * permission back. Firefox only: its pref extensions.webextOptionalPermissionPrompts=false accepts the
 * prompt the way a user would; headless Chromium cannot answer a permission prompt at all (the
 * background's side of this is unit-tested for both, test/unit/background.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabBrowser } from '../lab/lab-browser';
import { LAB_NAMES } from '../lab/lab';
import { applyScenario, SCENARIOS } from '../lab/scenarios';
import { freshStart, launchDetour, startLabWithControl, state, type LabWithControl } from './detour';

const DOMAIN = LAB_NAMES.unwatched.split('.').slice(1).join('.');
const URL_ON_DOMAIN = `https://${LAB_NAMES.unwatched}/`;

let world: LabWithControl;
let browser: LabBrowser;

beforeAll(async () => {
  world = await startLabWithControl();
  browser = await launchDetour('firefox-mv2', world.lab, {
    firefoxPrefs: { 'extensions.webextOptionalPermissionPrompts': false },
  });
});
afterAll(async () => {
  await browser?.close();
  await world?.close();
});

const hasPermission = () =>
  browser.evaluateInExtension<boolean>(`return browser.permissions.contains({ origins: ['*://*.${DOMAIN}/*'] });`);

describe('a site the user adds', () => {
  it('is watched once added on the options page, with its one host permission', async () => {
    expect(await hasPermission()).toBe(false);
    const status = await browser.clickInExtension(`options.html?add=${DOMAIN}`, 'form.add-site button[type=submit]', '[data-testid=status]');
    expect(status.text).toBe(`${DOMAIN} is now watched.`);
    expect(await hasPermission()).toBe(true);

    await applyScenario(world.lab, SCENARIOS['tcp-refused']);
    await freshStart(browser);
    await browser.navigate(URL_ON_DOMAIN, { waitMs: 300 });
    const recorded = await browser.waitForMessage<{ failures: Array<{ class: string }> }>(
      { type: 'get-state', host: LAB_NAMES.unwatched },
      (s) => s.failures.length > 0,
    );
    expect(recorded.failures[0]!.class).toBe('refused');
  });

  it('is forgotten, and its permission given back, once removed', async () => {
    const status = await browser.clickInExtension('options.html', '[data-testid=user-domains] button', '[data-testid=status]');
    expect(status.text).toBe(`${DOMAIN} is no longer watched, and Detour gave back its access to it.`);
    expect(await hasPermission()).toBe(false);

    await freshStart(browser);
    await browser.navigate(URL_ON_DOMAIN, { waitMs: 2000 });
    expect((await state(browser, LAB_NAMES.unwatched)).failures).toEqual([]);
  });
});
