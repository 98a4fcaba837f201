/**
 * `npm run bench:wake`: what the background's size costs each time the browser starts it. An MV3
 * service worker (and Firefox's event page) is stopped when idle and started again for the next
 * event, and each start compiles the whole bundle and runs its top level (registering the listeners).
 * This measures exactly that part, the part that grows with the bundle, in each engine Detour ships
 * on, and prints it per build, with what the bytes above issue 9's first target (35 KB) cost.
 *
 * - V8 in Node: a fresh context per run (node:vm).
 * - Real Chromium and Firefox ESR (headless, an about:blank page, no network): the bundle runs as
 *   an inline classic script, which the browser compiles and runs when it is appended.
 * The extension APIs are stubs that answer every call with an empty object, so the top level runs
 * to its end without a browser behind it; the asynchronous work it starts (reading storage) is not
 * timed. Each run's source ends with a different comment, so no engine serves it from its cache of
 * compiled scripts: a woken worker may have a code cache, so these are the cold, upper figures.
 *
 *   npm run bench:wake [-- --runs 30]          (build first: npm run build)
 */
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { gzipSync } from 'node:zlib';
import puppeteer from 'puppeteer-core';
import { chromium } from 'playwright-core';
import { percentile } from './percentile';

/** Issue 9's first target; scripts/bundle-sizes.ts holds the budget in force and why. */
const FIRST_TARGET = 35 * 1024;
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 30;
if (!Number.isInteger(RUNS) || RUNS < 5) throw new Error('--runs: an integer of at least 5');

const BUILDS = [
  { build: 'chrome-mv3', engines: ['v8-node', 'chromium'] },
  { build: 'firefox-mv2', engines: ['v8-node', 'firefox'] },
] as const;

/** Installs the stubs as `browser` and `chrome`; runs in Node's context and in the pages alike. */
const STUB_SOURCE = `(() => {
  const stub = () => new Proxy(function () {}, {
    get: (_target, key) => (key === 'then' ? undefined : stub()),
    apply: () => Promise.resolve({}),
  });
  globalThis.browser = stub();
  globalThis.chrome = stub();
})();`;

function inNode(code: string): number[] {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const context = vm.createContext({
      console: { log() {}, warn() {}, error() {}, debug() {} },
      ...Object.fromEntries(
        ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'structuredClone', 'URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder', 'AbortController', 'AbortSignal', 'Response', 'Headers', 'performance', 'crypto', 'navigator'].map((name) => [name, (globalThis as Record<string, unknown>)[name]]),
      ),
      fetch: () => Promise.reject(new TypeError('no network in the bench')),
    });
    vm.runInContext(STUB_SOURCE, context);
    const source = `${code}\n//${i}`;
    const started = performance.now();
    new vm.Script(source).runInContext(context);
    times.push(performance.now() - started);
  }
  return times;
}

/**
 * In a page: stubs, then the bundle as an inline script; the milliseconds it took, and the error it
 * threw, if any (a top level that stops early would be timed short).
 */
const PAGE_RUN = `async (code, stubs) => {
  let error;
  window.addEventListener('error', (e) => (error = String(e.message)));
  const stub = document.createElement('script');
  stub.textContent = stubs;
  document.head.append(stub);
  window.fetch = () => Promise.reject(new TypeError('no network in the bench'));
  const script = document.createElement('script');
  script.textContent = code;
  const started = performance.now();
  document.head.append(script);
  return { ms: performance.now() - started, error };
}`;

/** The part of Playwright's and Puppeteer's browsers used here, which both have. */
interface PageBrowser {
  newPage(): Promise<{ evaluate(source: string): Promise<unknown>; close(): Promise<void> }>;
  close(): Promise<void>;
}

async function inBrowser(launch: () => Promise<PageBrowser>, code: string): Promise<number[]> {
  const browser = await launch();
  try {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const page = await browser.newPage();
      const run = (await page.evaluate(`(${PAGE_RUN})(${JSON.stringify(`${code}\n//${i}`)}, ${JSON.stringify(STUB_SOURCE)})`)) as { ms: number; error?: string };
      await page.close();
      if (run.error) throw new Error(`the background's top level threw, so it was not timed whole: ${run.error}`);
      times.push(run.ms);
    }
    return times;
  } finally {
    await browser.close();
  }
}

const launchChromium = () => chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
const launchFirefox = () => puppeteer.launch({ browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true }) as Promise<PageBrowser>;

const ENGINES = {
  'v8-node': async (code: string) => inNode(code),
  chromium: (code: string) => inBrowser(launchChromium, code),
  firefox: (code: string) => inBrowser(launchFirefox, code),
};

console.log(`Compiling and running the background's top level, ${RUNS} runs each (ms; lower is better):\n`);
console.log('| build | gzipped | engine | median | p95 | per KB gzipped | the bytes above 35 KB |');
console.log('|---|---|---|---|---|---|---|');
for (const { build, engines } of BUILDS) {
  const code = readFileSync(`.output/${build}/background.js`, 'utf8');
  const gzipped = gzipSync(code, { level: 9 }).length;
  for (const engine of engines) {
    // What appending any script costs, whatever its size: taken off, so only the bundle's share is left.
    const fixed = percentile(await ENGINES[engine](';'), 50);
    const times = (await ENGINES[engine](code)).map((ms) => Math.max(0, ms - fixed));
    const median = percentile(times, 50);
    const perKb = median / (gzipped / 1024);
    const over = Math.max(0, gzipped - FIRST_TARGET) / 1024;
    console.log(`| ${build} | ${gzipped} | ${engine} | ${median.toFixed(2)} | ${percentile(times, 95).toFixed(2)} | ${perKb.toFixed(3)} | ${(perKb * over).toFixed(2)} (${over.toFixed(1)} KB) |`);
  }
}
