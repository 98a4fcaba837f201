/**
 * The options page's settings (issue 10), in every build: every endpoint and probe setting is shown,
 * edited and saved through the page, an invalid value is refused with its rule in words and saves
 * nothing, and "Restore the defaults" puts the build's defaults back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '../../lib/settings';
import type { LabBrowser } from '../lab/lab-browser';
import { labExtensionSettings } from '../lab/scenarios';
import { launchDetour, startLabWithControl, TARGETS, type LabWithControl, type Target } from './detour';

let world: LabWithControl;

beforeAll(async () => {
  world = await startLabWithControl();
});

afterAll(async () => {
  await world?.close();
});

/** In the page: types `value` into the field named `name` like a user would (input event), then submits. */
const typeAndSave = (name: string, value: string, wait: string) => `
  const field = document.querySelector('[name=${name}]');
  field.value = ${JSON.stringify(value)};
  field.dispatchEvent(new Event('input', { bubbles: true }));
  await new Promise((r) => setTimeout(r, 50));
  document.querySelector('[data-testid=settings-save]').click();
  for (let i = 0; i < 50 && !document.querySelector('${wait}'); i++) await new Promise((r) => setTimeout(r, 100));
  const shown = document.querySelector('${wait}');
  return shown ? shown.innerText : null;`;

describe.each<Target>(TARGETS)('%s', (target) => {
  let browser: LabBrowser;
  const settings = async () => (await browser.sendMessage<{ settings: Settings }>({ type: 'get-settings' })).settings;

  beforeAll(async () => {
    browser = await launchDetour(target, world.lab);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows every setting as stored', async () => {
    const form = await browser.inspect('options.html', '[data-testid=settings]');
    expect(form.text).toContain('Time for one check');
    const values = await browser.evaluateInPage<Record<string, string>>(
      'options.html',
      '[data-testid=settings]',
      `return Object.fromEntries([...document.querySelectorAll('[data-testid=settings] [name]')].map((f) => [f.name, f.value]));`,
    );
    expect(values).toEqual({
      dohResolvers: world.lab.doh.url,
      canaries: labExtensionSettings(world.lab).canaries!.map((c) => c.url).join('\n'),
      controlUrl: labExtensionSettings(world.lab).controlUrl,
      catalogUpdateUrls: '',
      reportUrls: labExtensionSettings(world.lab).reportUrls?.join('\n') ?? '',
      probeBudgetMs: String(DEFAULT_SETTINGS.probeBudgetMs),
      stallAfterMs: String(DEFAULT_SETTINGS.stallAfterMs),
    });
  });

  it('refuses a resolver over plain http with its rule in words, and saves nothing', async () => {
    const before = await settings();
    const shown = await browser.evaluateInPage<string | null>(
      'options.html',
      '[data-testid=settings]',
      typeAndSave('dohResolvers', 'http://resolver.example/dns-query', '[data-testid=problem-dohResolvers]'),
    );
    expect(shown).toMatch(/starting with https:\/\//);
    expect(await settings()).toEqual(before);
  });

  it('saves a changed probe budget, keeping the canaries\' expected bodies', async () => {
    const shown = await browser.evaluateInPage<string | null>(
      'options.html',
      '[data-testid=settings]',
      typeAndSave('probeBudgetMs', '7000', '[data-testid=settings-saved]'),
    );
    expect(shown).toBe('Settings saved.');
    const after = await settings();
    expect(after.probeBudgetMs).toBe(7000);
    expect(after.canaries).toEqual(labExtensionSettings(world.lab).canaries);
  });

  it('restores the defaults', async () => {
    const shown = await browser.clickInExtension('options.html', '[data-testid=settings-reset]', '[data-testid=settings-saved]');
    expect(shown.text).toBe('Default settings restored.');
    expect(await settings()).toEqual(DEFAULT_SETTINGS);
    // Back to the lab before anything could probe the defaults' public resolvers (nothing leaves the
    // lab's namespace anyway).
    await browser.sendMessage({ type: 'set-settings', settings: labExtensionSettings(world.lab) });
  });
});
