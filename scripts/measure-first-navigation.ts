/**
 * Is the very first failed navigation ever lost? The worst case on purpose: the failing watched page
 * is opened the instant Chromium is up, without waiting for the extension's service worker, so the
 * page loads while the worker is still starting. Two cases, --runs times each (default 10):
 * - install: a fresh profile, so the extension is installed at that very moment;
 * - browser start: the same profile started again, the extension already installed.
 * For each run it says how Detour got the failure: from its listeners, from the start-up recovery
 * (lib/recover-missed-failures.ts), or not at all. Inside the lab's namespace, after `npm run build`:
 *   bash scripts/in-lab-netns.sh npx tsx scripts/measure-first-navigation.ts --runs 10
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { HostState } from '../lib/messages';
import { startLab } from '../test/lab/lab';
import { applyScenario, SCENARIOS } from '../test/lab/scenarios';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 10);
const extension = path.resolve('.output/chrome-mv3');
const scenario = SCENARIOS['tcp-reset'];
const host = new URL(scenario.url).hostname;

type Outcome = 'listener' | 'recovered' | 'lost';

async function startAndCheck(profile: string, home: string): Promise<Outcome> {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    ignoreDefaultArgs: ['--disable-extensions'],
    env: { ...process.env, HOME: home },
    args: [
      `--disable-extensions-except=${extension}`,
      `--load-extension=${extension}`,
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  try {
    const first = context.pages()[0] ?? (await context.newPage());
    void first.goto(scenario.url).catch(() => {});
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
    const page = await context.newPage();
    await page.goto(`chrome-extension://${new URL(worker.url()).host}/popup.html`);
    const deadline = Date.now() + 6000;
    for (;;) {
      const state = (await page.evaluate((h) => (globalThis as any).chrome.runtime.sendMessage({ type: 'get-state', host: h }), host).catch(() => null)) as HostState | null;
      const first = state?.failures.at(-1);
      if (first) return first.source === 'recovered' ? 'recovered' : 'listener';
      if (Date.now() > deadline) return 'lost';
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await context.close().catch(() => {});
  }
}

const lab = await startLab();
const tally = { install: { listener: 0, recovered: 0, lost: 0 }, start: { listener: 0, recovered: 0, lost: 0 } };
try {
  await applyScenario(lab, scenario);
  for (let i = 0; i < runs; i += 1) {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'detour-first-'));
    const home = path.join(root, 'home');
    await lab.pki.trustInNssDb(path.join(home, '.pki', 'nssdb'));
    const profile = path.join(root, 'profile');
    tally.install[await startAndCheck(profile, home)] += 1;
    tally.start[await startAndCheck(profile, home)] += 1;
    await fs.rm(root, { recursive: true, force: true });
  }
} finally {
  await lab.close();
}

console.log(`\n### First failed navigation, Chromium, ${runs} runs per case\n`);
console.log('| case | caught by the listeners | recovered at start-up | lost |');
console.log('|---|---|---|---|');
for (const [name, t] of Object.entries(tally)) console.log(`| ${name === 'install' ? 'install' : 'browser start'} | ${t.listener} | ${t.recovered} | ${t.lost} |`);
