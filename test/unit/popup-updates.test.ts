/**
 * Detour's pages learn of changes from storage.onChanged (lib/watch-changes.ts) instead of polling the
 * background: a burst of writes costs one refresh, unrelated storage costs none, and an open popup
 * with nothing happening asks the background nothing at all. The pages render into linkedom's DOM
 * (it comes with WXT) under fake timers, so seconds of popup life take milliseconds.
 */
import { parseHTML } from 'linkedom';
import { h, render, type FunctionComponent } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import backgroundEntry from '../../entrypoints/background';
import { Options } from '../../components/Options';
import { CLOCK_MS, Popup } from '../../components/Popup';
import type { HostState, Request, StoredVerdict } from '../../lib/messages';
import { DEFAULT_SETTINGS } from '../../lib/settings';
import { STORAGE_KEYS } from '../../lib/storage';
import { onStateChanged, SETTLE_MS, STATE_KEYS } from '../../lib/watch-changes';
import { ask as askBackground, installFakes, type Fakes } from './fakes';

const T0 = 1_800_000_000_000;
const HOST = 'mail.proton.me';

let fakes: Fakes;

beforeEach(() => {
  fakeBrowser.reset();
  fakes = installFakes();
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

/** Lets fake time pass, with every storage event, answer and render it sets off. */
async function pass(ms: number): Promise<void> {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

describe('onStateChanged', () => {
  beforeEach(() => vi.useFakeTimers({ now: T0 }));

  it('calls once for a burst of writes to Detour keys, after the burst and not before', async () => {
    const listener = vi.fn();
    onStateChanged(listener);
    for (let i = 0; i < 50; i++) {
      await fakeBrowser.storage.local.set({ [STORAGE_KEYS.failureLog]: { version: 1, hosts: {}, n: i } });
      if (i % 10 === 0) await fakeBrowser.storage.local.set({ [STORAGE_KEYS.probeRuns]: { n: i } });
    }
    await vi.advanceTimersByTimeAsync(SETTLE_MS - 1);
    expect(listener).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(listener).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('refreshes a long stream at most once per window, and after its last write', async () => {
    const calls: number[] = [];
    onStateChanged(() => calls.push(Date.now()));
    let lastWrite = 0;
    for (let i = 0; i < 50; i++) {
      await fakeBrowser.storage.local.set({ [STORAGE_KEYS.failureLog]: { n: i } });
      lastWrite = Date.now();
      await vi.advanceTimersByTimeAsync(20);
    }
    await vi.advanceTimersByTimeAsync(SETTLE_MS);
    // 1 s of writes: a pure debounce would call once at the end, polling-like throttling ~7 times.
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.length).toBeLessThanOrEqual(Math.ceil((lastWrite - T0) / SETTLE_MS) + 1);
    for (let i = 1; i < calls.length; i++) expect(calls[i]! - calls[i - 1]!).toBeGreaterThanOrEqual(SETTLE_MS);
    expect(calls.at(-1)!).toBeGreaterThan(lastWrite);
  });

  it('hears every key a page shows, whether written or removed', async () => {
    expect([...STATE_KEYS].sort()).toEqual([
      'catalogUpdate',
      'catalogUpdateCheck',
      'failureLog',
      'learnedOnions',
      'probeRuns',
      'providerChecks',
      'reports',
      'settings',
      'userDomains',
      'verdicts',
    ]);
    const listener = vi.fn();
    onStateChanged(listener);
    for (const key of STATE_KEYS) {
      await fakeBrowser.storage.local.set({ [key]: { written: key } });
      await vi.advanceTimersByTimeAsync(SETTLE_MS);
      await fakeBrowser.storage.local.remove(key);
      await vi.advanceTimersByTimeAsync(SETTLE_MS);
    }
    expect(listener).toHaveBeenCalledTimes(STATE_KEYS.length * 2);
  });

  it('ignores other keys and other storage areas', async () => {
    const listener = vi.fn();
    onStateChanged(listener);
    await fakeBrowser.storage.local.set({ somebodyElse: 1, [`${STORAGE_KEYS.failureLog}Backup`]: 2 });
    await fakeBrowser.storage.sync.set({ [STORAGE_KEYS.failureLog]: { version: 1, hosts: {} } });
    await fakeBrowser.storage.session.set({ [STORAGE_KEYS.verdicts]: {} });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(listener).not.toHaveBeenCalled();
  });

  it('listens only to the keys it is given', async () => {
    const listener = vi.fn();
    onStateChanged(listener, { keys: [STORAGE_KEYS.userDomains] });
    await fakeBrowser.storage.local.set({ [STORAGE_KEYS.failureLog]: {}, [STORAGE_KEYS.verdicts]: {} });
    await vi.advanceTimersByTimeAsync(SETTLE_MS);
    expect(listener).not.toHaveBeenCalled();
    await fakeBrowser.storage.local.set({ [STORAGE_KEYS.userDomains]: ['example.org'] });
    await vi.advanceTimersByTimeAsync(SETTLE_MS);
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('stops when unsubscribed, a call already waiting included', async () => {
    const listener = vi.fn();
    const other = vi.fn();
    const stop = onStateChanged(listener);
    onStateChanged(other);
    await fakeBrowser.storage.local.set({ [STORAGE_KEYS.failureLog]: {} });
    stop();
    await vi.advanceTimersByTimeAsync(SETTLE_MS);
    await fakeBrowser.storage.local.set({ [STORAGE_KEYS.settings]: {} });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(listener).not.toHaveBeenCalled();
    expect(other).toHaveBeenCalledTimes(2);
    expect(() => stop()).not.toThrow();
  });
});

/** A page of Detour, mounted in its own DOM as the browser would show it. */
function mount(page: FunctionComponent, url: string) {
  const { document, window } = parseHTML('<!doctype html><html><body><div id="app"></div></body></html>');
  vi.stubGlobal('location', new URL(url));
  vi.stubGlobal('window', window);
  const app = document.getElementById('app')!;
  return {
    app,
    mounted: act(() => render(h(page, {}), app)),
    unmount: () => act(() => render(null, app)),
    current: () => app.querySelector('[data-testid="current"]'),
    click: (button: Element) => act(() => void button.dispatchEvent(new window.Event('click'))),
  };
}

const failure = (lastAt: number) => ({
  url: `https://${HOST}/`,
  class: 'reset' as const,
  error: 'net::ERR_CONNECTION_RESET',
  source: 'navigation' as const,
  firstAt: lastAt,
  lastAt,
  count: 1,
});

const verdict = (finishedAt: number): StoredVerdict => ({
  runId: `r${finishedAt}`,
  host: HOST,
  url: `https://${HOST}/`,
  trigger: 'reset',
  startedAt: finishedAt - 1000,
  finishedAt,
  verdict: { kind: 'censorship', method: 'tls', confidence: 0.9, confirmed: false, evidence: [] },
});

/**
 * The background as the popup sees it through runtime.sendMessage: answers from `world`, and a log
 * of what was asked. Nothing here writes storage: each test writes what the background would.
 */
function stubBackground(world: { state: HostState }) {
  const asked: Request[] = [];
  vi.spyOn(fakeBrowser.runtime, 'sendMessage').mockImplementation((async (request: Request) => {
    asked.push(request);
    switch (request.type) {
      case 'get-status':
        return { ready: true, version: '0', listenersSince: T0, storageProblems: [] };
      case 'get-state':
        return structuredClone(world.state);
      case 'get-overview':
        return { hosts: world.state.failures.length ? [structuredClone(world.state)] : [], watchedCount: 9 };
      case 'probe-host':
        return structuredClone(world.state);
      default:
        throw new Error(`the popup does not ask ${request.type}`);
    }
  }) as never);
  const count = (type: Request['type']) => asked.filter((r) => r.type === type).length;
  return { asked, count };
}

describe('Popup', () => {
  let world: { state: HostState };
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
    world = { state: { host: HOST, watched: true, failures: [], failedRecently: false, probing: false } };
  });

  it('asks once when opened, nothing while nothing changes, and again once per burst of changes', async () => {
    const bg = stubBackground(world);
    const page = mount(Popup, `chrome-extension://detour-test-id/popup.html?host=${HOST}`);
    await page.mounted;
    await pass(0);
    expect(bg.asked.map((r) => r.type).sort()).toEqual(['get-overview', 'get-state', 'get-status']);
    expect(page.current()?.getAttribute('class')).toContain('ok');

    // Several clock ticks and far more than the old 1.5 s poll: not one message.
    await pass(3 * CLOCK_MS);
    expect(bg.asked).toHaveLength(3);

    // The background logs a failure and writes the log, many times, as a failing webmail page does.
    world.state = { ...world.state, failures: [failure(Date.now())], failedRecently: true };
    for (let i = 0; i < 20; i++) await fakeBrowser.storage.local.set({ [STORAGE_KEYS.failureLog]: { n: i } });
    await pass(SETTLE_MS);
    expect(bg.count('get-state')).toBe(2);
    expect(bg.count('get-overview')).toBe(2);
    expect(page.current()?.getAttribute('class')).toContain('failed');

    // Storage Detour does not own changes nothing.
    await fakeBrowser.storage.local.set({ unrelated: true });
    await fakeBrowser.storage.sync.set({ [STORAGE_KEYS.failureLog]: {} });
    await pass(10_000);
    expect(bg.asked).toHaveLength(5);
  });

  it('keeps "2 minutes ago" true with its own clock, asking nothing', async () => {
    // The background says until when the failure counts as recent (lib/host-view.ts).
    world.state = { ...world.state, failures: [failure(T0)], failedRecently: true, recentUntil: T0 + 15 * 60_000, verdict: verdict(T0) };
    const bg = stubBackground(world);
    const page = mount(Popup, `chrome-extension://detour-test-id/popup.html?host=${HOST}`);
    await page.mounted;
    await pass(0);
    const asked = bg.asked.length;
    expect(page.app.querySelector('.failure-meta')?.textContent).toContain('now');

    await pass(2 * 60_000);
    expect(page.app.querySelector('.failure-meta')?.textContent).toContain('2 minutes ago');
    expect(page.app.querySelector('.verdict-meta')?.textContent).toContain('2 minutes ago');

    // Past the recent window the failure is history, though no storage change said so.
    await pass(15 * 60_000);
    expect(page.current()?.getAttribute('class')).toContain('ok');
    expect(bg.asked).toHaveLength(asked);
  });

  it('"check again" asks for a probe and shows the run starting and ending as storage changes', async () => {
    world.state = { ...world.state, failures: [failure(T0)], failedRecently: true, verdict: verdict(T0) };
    const bg = stubBackground(world);
    const page = mount(Popup, `chrome-extension://detour-test-id/popup.html?host=${HOST}`);
    await page.mounted;
    await pass(0);
    const button = page.current()!.querySelector('button')!;
    expect(button.textContent).toBe('Check again');

    // The background writes the run down before it probes; the popup shows it probing at once.
    world.state = { ...world.state, probing: true };
    await page.click(button);
    expect(bg.count('probe-host')).toBe(1);
    expect(page.current()!.querySelector('button')?.hasAttribute('disabled')).toBe(true);
    await fakeBrowser.storage.local.set({ [STORAGE_KEYS.probeRuns]: { [HOST]: {} } });
    await pass(SETTLE_MS);
    expect(page.current()!.querySelector('button')?.hasAttribute('disabled')).toBe(true);

    // The verdict replaces the run in one write.
    world.state = { ...world.state, probing: false, verdict: verdict(Date.now()) };
    await fakeBrowser.storage.local.set({ [STORAGE_KEYS.verdicts]: { [HOST]: world.state.verdict }, [STORAGE_KEYS.probeRuns]: {} });
    await pass(SETTLE_MS);
    expect(page.current()!.querySelector('button')?.hasAttribute('disabled')).toBe(false);
    expect(page.current()!.querySelector('button')?.textContent).toBe('Check again');
  });

  it('keeps the newest answer when an older one arrives after it', async () => {
    const bg = stubBackground(world);
    const page = mount(Popup, `chrome-extension://detour-test-id/popup.html?host=${HOST}`);
    await page.mounted;
    await pass(0);
    // The first refresh's answer is slow and says "ok"; the second, sent later, says "failed".
    const answer = vi.mocked(fakeBrowser.runtime.sendMessage).getMockImplementation() as unknown as (request: Request) => Promise<unknown>;
    let slow = true;
    vi.mocked(fakeBrowser.runtime.sendMessage).mockImplementation((async (request: Request) => {
      const reply = await answer(request);
      if (slow && request.type === 'get-state') await new Promise((resolve) => setTimeout(resolve, 1_000));
      return reply;
    }) as never);
    await fakeBrowser.storage.local.set({ [STORAGE_KEYS.failureLog]: { n: 1 } });
    await pass(SETTLE_MS);
    slow = false;
    world.state = { ...world.state, failures: [failure(Date.now())], failedRecently: true };
    await fakeBrowser.storage.local.set({ [STORAGE_KEYS.failureLog]: { n: 2 } });
    await pass(2_000);
    expect(bg.count('get-state')).toBe(3);
    expect(page.current()?.getAttribute('class')).toContain('failed');
  });

  it('tries again when the background does not answer, and stops when closed', async () => {
    const bg = stubBackground(world);
    const answer = vi.mocked(fakeBrowser.runtime.sendMessage).getMockImplementation() as unknown as (request: Request) => Promise<unknown>;
    let down = true;
    vi.mocked(fakeBrowser.runtime.sendMessage).mockImplementation((async (request: Request) => {
      const reply = await answer(request);
      if (down) throw new Error('Could not establish connection. Receiving end does not exist.');
      return reply;
    }) as never);
    const page = mount(Popup, `chrome-extension://detour-test-id/popup.html?host=${HOST}`);
    await page.mounted;
    await pass(0);
    expect(page.current()).toBeNull();
    down = false;
    await pass(5_000);
    expect(page.current()?.getAttribute('class')).toContain('ok');

    await page.unmount();
    const asked = bg.asked.length;
    await fakeBrowser.storage.local.set({ [STORAGE_KEYS.failureLog]: {} });
    await pass(3 * CLOCK_MS);
    expect(bg.asked).toHaveLength(asked);
    expect(fakeBrowser.storage.onChanged.hasListeners()).toBe(false);
  });
});

describe('Options', () => {
  it('reloads when the watch list or settings change, not when failures are logged', async () => {
    vi.useFakeTimers({ now: T0 });
    const asked: string[] = [];
    vi.spyOn(fakeBrowser.runtime, 'sendMessage').mockImplementation((async (request: Request) => {
      asked.push(request.type);
      if (request.type === 'get-watch-list') return { domains: [] };
      return { settings: { ...DEFAULT_SETTINGS, dohResolvers: [], canaries: [], controlUrl: '' }, problems: [] };
    }) as never);
    const page = mount(Options, 'chrome-extension://detour-test-id/options.html');
    await page.mounted;
    await pass(0);
    expect(asked.sort()).toEqual(['get-settings', 'get-watch-list']);
    for (let i = 0; i < 20; i++) await fakeBrowser.storage.local.set({ [STORAGE_KEYS.failureLog]: { n: i }, [STORAGE_KEYS.verdicts]: {} });
    await pass(10_000);
    expect(asked).toHaveLength(2);
    await fakeBrowser.storage.local.set({ [STORAGE_KEYS.userDomains]: ['example.org'] });
    await pass(SETTLE_MS);
    expect(asked).toHaveLength(4);
  });
});

describe('Popup with the real background', () => {
  it('shows a failure the background records while it is open, without being reopened', async () => {
    backgroundEntry.main();
    const asked = vi.fn();
    vi.spyOn(fakeBrowser.runtime, 'sendMessage').mockImplementation(((request: Request & Record<string, unknown>) => {
      asked(request.type);
      return askBackground(request);
    }) as never);
    const page = mount(Popup, `chrome-extension://detour-test-id/popup.html?host=${HOST}`);
    await page.mounted;
    await vi.waitFor(() => expect(page.current()?.getAttribute('class')).toContain('ok'));
    const opened = asked.mock.calls.length;

    await fakes.webRequest.onErrorOccurred.trigger({ url: `https://${HOST}/inbox`, tabId: 7, type: 'main_frame', timeStamp: Date.now(), error: 'net::ERR_CONNECTION_RESET' } as never);
    await vi.waitFor(() => expect(page.current()?.getAttribute('class')).toContain('failed'), { timeout: 3_000 });
    expect(asked.mock.calls.length).toBeGreaterThan(opened);
    await page.unmount();
  });
});
