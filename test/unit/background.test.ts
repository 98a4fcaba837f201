/**
 * The whole background, wired as in entrypoints/background.ts, against WXT's fake browser with
 * triggerable webRequest/webNavigation fakes that honour URL filters and host permissions.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import background from '../../entrypoints/background';
import type { HostState } from '../../lib/messages';
import { fromOwnPage } from '../../lib/handle-messages';
import { loadReportPreview } from '../../lib/reports/preview';
import { DEFAULT_SETTINGS } from '../../lib/settings';
import { ask, installFakes, ownPageSender, type Fakes } from './fakes';

let fakes: Fakes;


const T0 = 1_800_000_000_000;

beforeEach(() => {
  vi.useRealTimers();
  fakeBrowser.reset();
  fakes = installFakes();
  background.main();
});

describe('background', () => {
  it('registers every listener synchronously, before any await', () => {
    expect(fakes.webNavigation.onErrorOccurred.listenerCount).toBe(1);
    expect(fakes.webNavigation.onBeforeNavigate.listenerCount).toBe(1);
    expect(fakes.webRequest.onErrorOccurred.listenerCount).toBe(1);
    expect(fakes.webRequest.onCompleted.listenerCount).toBe(1);
    expect(fakes.webRequest.onBeforeRedirect.listenerCount).toBe(1);
  });

  it('records a failed navigation once, though both webRequest and webNavigation report it', async () => {
    const url = 'https://mail.proton.me/inbox?session=SECRET#msg';
    await fakes.webRequest.onErrorOccurred.trigger({ url, tabId: 7, type: 'main_frame', timeStamp: T0, error: 'net::ERR_CONNECTION_RESET' } as never);
    await fakes.webNavigation.onErrorOccurred.trigger({ url, tabId: 7, frameId: 0, timeStamp: T0 + 40, error: 'net::ERR_CONNECTION_RESET' } as never);
    const state = await ask({ type: 'get-state', host: 'mail.proton.me' });
    expect(state.failures).toHaveLength(1);
    expect(state.failures[0]).toMatchObject({ class: 'reset', count: 1, url: 'https://mail.proton.me/inbox' });
    expect(JSON.stringify(state)).not.toContain('SECRET');
    expect(state.provider).toEqual({ id: 'proton' });
    expect(fakes.badges.get(7)).toBe('!');
  });

  it('normalises Firefox webNavigation codes and webRequest names to the same record', async () => {
    await fakes.webNavigation.onErrorOccurred.trigger({ url: 'https://mailbox.org/', tabId: 3, frameId: 0, timeStamp: T0, error: 'Error code 2152398878' } as never);
    await fakes.webRequest.onErrorOccurred.trigger({ url: 'https://mailbox.org/', tabId: 3, type: 'main_frame', timeStamp: T0 + 5, error: 'NS_ERROR_UNKNOWN_HOST' } as never);
    const state = await ask({ type: 'get-state', host: 'mailbox.org' });
    expect(state.failures.map((f) => [f.class, f.count])).toEqual([['dns', 1]]);
  });

  it('refines a Firefox certificate error worded in an unknown language with webNavigation\'s nsresult', async () => {
    const url = 'https://mail.proton.me/';
    await fakes.webRequest.onErrorOccurred.trigger({ url, tabId: 6, type: 'main_frame', timeStamp: T0, error: 'Nie można nawiązać bezpiecznego połączenia' } as never);
    expect((await ask({ type: 'get-state', host: 'mail.proton.me' })).failures[0]).toMatchObject({ class: 'unknown' });
    await fakes.webNavigation.onErrorOccurred.trigger({ url, tabId: 6, frameId: 0, timeStamp: T0 + 30, error: `Error code ${0x805a0000 + 8179}` } as never);
    const state = await ask({ type: 'get-state', host: 'mail.proton.me' });
    expect(state.failures).toHaveLength(1);
    expect(state.failures[0]).toMatchObject({ class: 'certificate', certificate: 'issuer', count: 1 });
  });

  it('never sees unwatched hosts: the filters keep the events from arriving at all', async () => {
    const delivered = await Promise.all([
      fakes.webNavigation.onErrorOccurred.trigger({ url: 'https://example.org/', tabId: 1, frameId: 0, timeStamp: T0, error: 'net::ERR_CONNECTION_RESET' } as never),
      fakes.webRequest.onErrorOccurred.trigger({ url: 'https://example.org/', tabId: 1, type: 'main_frame', timeStamp: T0, error: 'net::ERR_CONNECTION_RESET' } as never),
      // A look-alike is not a subdomain.
      fakes.webNavigation.onErrorOccurred.trigger({ url: 'https://notproton.me/', tabId: 1, frameId: 0, timeStamp: T0, error: 'net::ERR_CONNECTION_RESET' } as never),
    ]);
    expect(delivered).toEqual([0, 0, 0]);
    expect((await ask({ type: 'get-overview' })).hosts).toEqual([]);
  });

  it('ignores aborts and blocked-by-client, records HTTP 451 and redirects off the provider', async () => {
    await fakes.webRequest.onErrorOccurred.trigger({ url: 'https://tuta.com/', tabId: 2, type: 'main_frame', timeStamp: T0, error: 'net::ERR_ABORTED' } as never);
    await fakes.webRequest.onErrorOccurred.trigger({ url: 'https://tuta.com/x.js', tabId: 2, type: 'script', timeStamp: T0, error: 'net::ERR_BLOCKED_BY_CLIENT' } as never);
    await fakes.webRequest.onCompleted.trigger({ url: 'https://tuta.com/', tabId: 2, type: 'main_frame', timeStamp: T0, statusCode: 451 } as never);
    await fakes.webRequest.onBeforeRedirect.trigger({ url: 'https://app.tuta.com/', tabId: 2, type: 'main_frame', timeStamp: T0, statusCode: 302, redirectUrl: 'http://warning.rt.ru/?id=1' } as never);
    // Moving between the provider's own domains is not a block.
    await fakes.webRequest.onBeforeRedirect.trigger({ url: 'https://tutanota.com/', tabId: 2, type: 'main_frame', timeStamp: T0, statusCode: 301, redirectUrl: 'https://tuta.com/' } as never);
    const tuta = await ask({ type: 'get-state', host: 'tuta.com' });
    expect(tuta.failures.map((f) => [f.class, f.status])).toEqual([['http-status', 451]]);
    const app = await ask({ type: 'get-state', host: 'app.tuta.com' });
    expect(app.failures[0]).toMatchObject({ class: 'redirect', redirectHost: 'warning.rt.ru', status: 302 });
    expect((await ask({ type: 'get-state', host: 'tutanota.com' })).failures).toEqual([]);
  });

  it("records the provider's own 5xx on the page itself, not on its frames or API calls", async () => {
    await fakes.webRequest.onCompleted.trigger({ url: 'https://mail.proton.me/', tabId: 3, type: 'main_frame', timeStamp: T0, statusCode: 503 } as never);
    await fakes.webRequest.onCompleted.trigger({ url: 'https://mail.proton.me/frame', tabId: 3, type: 'sub_frame', timeStamp: T0, statusCode: 502 } as never);
    await fakes.webRequest.onCompleted.trigger({ url: 'https://account.proton.me/', tabId: 3, type: 'main_frame', timeStamp: T0, statusCode: 404 } as never);
    const state = await ask({ type: 'get-state', host: 'mail.proton.me' });
    expect(state.failures.map((f) => [f.class, f.status, f.url])).toEqual([['http-status', 503, 'https://mail.proton.me/']]);
    expect((await ask({ type: 'get-state', host: 'account.proton.me' })).failures).toEqual([]);
  });

  it('clears the badge once the host loads again', async () => {
    await fakes.webRequest.onErrorOccurred.trigger({ url: 'https://posteo.de/', tabId: 4, type: 'main_frame', timeStamp: Date.now(), error: 'net::ERR_CONNECTION_RESET' } as never);
    expect(fakes.badges.get(4)).toBe('!');
    expect((await ask({ type: 'get-state', host: 'posteo.de' })).failedRecently).toBe(true);
    await fakes.webRequest.onCompleted.trigger({ url: 'https://posteo.de/', tabId: 4, type: 'main_frame', timeStamp: Date.now() + 1, statusCode: 200 } as never);
    await vi.waitFor(() => expect(fakes.badges.get(4)).toBe(''));
    const state = await ask({ type: 'get-state', host: 'posteo.de' });
    expect(state.failedRecently).toBe(false);
    expect(state.lastOkAt).toBeGreaterThan(0);
  });

  it('records a stalled navigation long before the browser gives up, and replaces it with the real error', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    await ask({ type: 'get-status' });
    const url = 'https://mail.riseup.net/';
    await fakes.webNavigation.onBeforeNavigate.trigger({ url, tabId: 9, frameId: 0, timeStamp: Date.now() } as never);
    await vi.advanceTimersByTimeAsync(3_900);
    expect((await ask({ type: 'get-state', host: 'mail.riseup.net' })).failures).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    const stalled = await ask({ type: 'get-state', host: 'mail.riseup.net' });
    expect(stalled.failures[0]).toMatchObject({ class: 'stalled', source: 'stall' });
    await fakes.webNavigation.onErrorOccurred.trigger({ url, tabId: 9, frameId: 0, timeStamp: Date.now(), error: 'net::ERR_CONNECTION_TIMED_OUT' } as never);
    const timedOut = await ask({ type: 'get-state', host: 'mail.riseup.net' });
    expect(timedOut.failures.map((f) => f.class)).toEqual(['timeout']);
  });

  it('a navigation that commits and arrives whole is not a stall', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    await ask({ type: 'get-status' });
    await fakes.webNavigation.onBeforeNavigate.trigger({ url: 'https://disroot.org/', tabId: 5, frameId: 0, timeStamp: Date.now() } as never);
    await vi.advanceTimersByTimeAsync(1000);
    await fakes.webNavigation.onCommitted.trigger({ url: 'https://disroot.org/', tabId: 5, frameId: 0, timeStamp: Date.now() } as never);
    await vi.advanceTimersByTimeAsync(500);
    await fakes.webNavigation.onDOMContentLoaded.trigger({ url: 'https://disroot.org/', tabId: 5, frameId: 0, timeStamp: Date.now() } as never);
    await vi.advanceTimersByTimeAsync(10_000);
    expect((await ask({ type: 'get-state', host: 'disroot.org' })).failures).toEqual([]);
  });

  it('headers in (onResponseStarted) but no commit yet when the time runs out: slow, not stalled', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    await ask({ type: 'get-status' });
    await fakes.webNavigation.onBeforeNavigate.trigger({ url: 'https://disroot.org/', tabId: 5, frameId: 0, timeStamp: Date.now() } as never);
    await fakes.webRequest.onResponseStarted.trigger({ url: 'https://disroot.org/', tabId: 5, frameId: 0, type: 'main_frame', statusCode: 200, timeStamp: Date.now() } as never);
    await vi.advanceTimersByTimeAsync(10_000);
    expect((await ask({ type: 'get-state', host: 'disroot.org' })).failures).toEqual([expect.objectContaining({ class: 'slow' })]);
  });

  it('a page restored from the back/forward cache (committed and completed, nothing else) is not slow', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    await ask({ type: 'get-status' });
    await fakes.webNavigation.onBeforeNavigate.trigger({ url: 'https://disroot.org/', tabId: 5, frameId: 0, timeStamp: Date.now() } as never);
    await fakes.webNavigation.onCommitted.trigger({ url: 'https://disroot.org/', tabId: 5, frameId: 0, timeStamp: Date.now() } as never);
    await fakes.webNavigation.onCompleted.trigger({ url: 'https://disroot.org/', tabId: 5, frameId: 0, timeStamp: Date.now() } as never);
    await vi.advanceTimersByTimeAsync(10_000);
    expect((await ask({ type: 'get-state', host: 'disroot.org' })).failures).toEqual([]);
  });

  it('a navigation whose document is all in (webRequest.onCompleted) is not a stall, even before DOMContentLoaded', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    await ask({ type: 'get-status' });
    await fakes.webNavigation.onBeforeNavigate.trigger({ url: 'https://disroot.org/', tabId: 5, frameId: 0, timeStamp: Date.now() } as never);
    await fakes.webNavigation.onCommitted.trigger({ url: 'https://disroot.org/', tabId: 5, frameId: 0, timeStamp: Date.now() } as never);
    await fakes.webRequest.onCompleted.trigger({ url: 'https://disroot.org/', tabId: 5, frameId: 0, type: 'main_frame', statusCode: 200, timeStamp: Date.now() } as never);
    await vi.advanceTimersByTimeAsync(10_000);
    expect((await ask({ type: 'get-state', host: 'disroot.org' })).failures).toEqual([]);
  });

  it('a navigation that commits and is still arriving after the stall time is slow, not stalled (throttling)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    await ask({ type: 'get-status' });
    await fakes.webNavigation.onBeforeNavigate.trigger({ url: 'https://disroot.org/', tabId: 5, frameId: 0, timeStamp: Date.now() } as never);
    await vi.advanceTimersByTimeAsync(300);
    await fakes.webNavigation.onCommitted.trigger({ url: 'https://disroot.org/', tabId: 5, frameId: 0, timeStamp: Date.now() } as never);
    await vi.advanceTimersByTimeAsync(10_000);
    const failures = (await ask({ type: 'get-state', host: 'disroot.org' })).failures;
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ class: 'slow', error: 'slow', source: 'stall' });
  });

  it('watches a domain the user adds, and stops (giving the permission back) when removed', async () => {
    expect(await ask({ type: 'watch-add', domain: 'webmail.example.org' })).toEqual({ error: 'permission-not-granted' });
    await fakeBrowser.permissions.request({ origins: ['*://*.webmail.example.org/*'] });
    expect(await ask({ type: 'watch-add', domain: 'https://WebMail.Example.org/login' })).toEqual({ ok: true, domain: 'webmail.example.org' });
    expect(await ask({ type: 'watch-add', domain: 'mail.proton.me' })).toEqual({ error: 'already-watched' });
    expect(await ask({ type: 'watch-add', domain: 'not a domain' })).toEqual({ error: 'not-a-domain' });

    // Registered again under the new filter once the list changed.
    await vi.waitFor(() => expect(fakes.webNavigation.onErrorOccurred.listenerCount).toBe(2));
    const failure = { url: 'https://webmail.example.org/', tabId: 1, frameId: 0, timeStamp: T0, error: 'net::ERR_CONNECTION_REFUSED' };
    expect(await fakes.webNavigation.onErrorOccurred.trigger(failure as never)).toBe(1);
    expect((await ask({ type: 'get-state', host: 'webmail.example.org' })).failures[0]).toMatchObject({ class: 'refused' });
    expect((await fakeBrowser.storage.local.get('userDomains')).userDomains).toEqual(['webmail.example.org']);

    expect(await ask({ type: 'watch-remove', domain: 'webmail.example.org' })).toEqual({ ok: true, domain: 'webmail.example.org' });
    expect(fakes.granted.has('*://*.webmail.example.org/*')).toBe(false);
    expect(await fakes.webNavigation.onErrorOccurred.trigger(failure as never)).toBe(0);
    expect((await ask({ type: 'get-watch-list' })).domains.some((d) => d.origin === 'user')).toBe(false);
  });

  it('knows nothing of a host that is not a host name, prototype member names included', async () => {
    for (const host of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '127.0.0.1', 'localhost']) {
      expect(await ask({ type: 'get-state', host }), host).toEqual({ host, watched: false, failures: [], failedRecently: false, probing: false });
    }
  });

  it('lists every watched provider for the status view, not checked yet, and refuses checks of what it does not watch', async () => {
    const { providers, run } = await ask({ type: 'get-provider-status' });
    expect(run).toBeUndefined();
    expect(providers.find((p) => p.key === 'proton')).toEqual({ key: 'proton', origin: 'catalog', host: 'mail.proton.me', state: 'unchecked', checking: false });
    expect(providers.every((p) => p.state === 'unchecked' && !p.checking)).toBe(true);
    expect(await ask({ type: 'check-providers', keys: ['no-such-provider'] })).toEqual({ error: 'not-watched' });
    for (const keys of ['proton', [1], Array.from({ length: 301 }, () => 'proton')]) {
      expect(await ask({ type: 'check-providers', keys } as never)).toEqual({ error: 'bad-request' });
    }
    // A failure the user met is the provider's state until something newer is known.
    await fakes.webRequest.onErrorOccurred.trigger({ url: 'https://mail.proton.me/', tabId: 7, type: 'main_frame', timeStamp: T0, error: 'net::ERR_CONNECTION_RESET' } as never);
    const after = await ask({ type: 'get-provider-status' });
    expect(after.providers.find((p) => p.key === 'proton')).toMatchObject({ state: 'fails', host: 'mail.proton.me' });
  });

  it('watches only the catalog providers whose access the browser granted, and follows the grants as they change', async () => {
    const proton = ['*://*.proton.me/*', '*://*.protonmail.com/*', '*://*.protonmail.ch/*', '*://*.pm.me/*'];
    await fakeBrowser.permissions.remove({ origins: proton });
    await vi.waitFor(async () => expect((await ask({ type: 'get-state', host: 'mail.proton.me' })).watched).toBe(false));
    const failure = { url: 'https://mail.proton.me/', tabId: 4, type: 'main_frame', timeStamp: T0, error: 'net::ERR_CONNECTION_RESET' };
    await fakes.webRequest.onErrorOccurred.trigger(failure as never);
    expect((await ask({ type: 'get-state', host: 'mail.proton.me' })).failures).toEqual([]);
    const status = await ask({ type: 'get-provider-status' });
    expect(status.providers.some((p) => p.key === 'proton')).toBe(false);
    expect(status.providers.some((p) => p.key === 'tuta')).toBe(true);

    await fakeBrowser.permissions.request({ origins: proton });
    const list = await ask({ type: 'watch-refresh' });
    expect(list.domains.filter((d) => d.provider?.id === 'proton').map((d) => d.domain).sort()).toEqual(['pm.me', 'proton.me', 'protonmail.ch', 'protonmail.com']);
    await fakes.webRequest.onErrorOccurred.trigger(failure as never);
    expect((await ask({ type: 'get-state', host: 'mail.proton.me' })).failures).toHaveLength(1);
  });

  it('opens the first-run page at install when nothing is watched, and not when access came with the install', async () => {
    const opened: string[] = [];
    (fakeBrowser.tabs as any).create = async ({ url }: { url: string }) => void opened.push(url);
    await (fakeBrowser.runtime.onInstalled as any).trigger({ reason: 'install' });
    await vi.waitFor(() => expect(fakes.granted.size).toBeGreaterThan(0));
    await new Promise((r) => setTimeout(r, 20));
    expect(opened).toEqual([]);
    await fakeBrowser.permissions.remove({ origins: [...fakes.granted] });
    await ask({ type: 'watch-refresh' });
    await (fakeBrowser.runtime.onInstalled as any).trigger({ reason: 'install' });
    await vi.waitFor(() => expect(opened).toEqual(['chrome-extension://detour-test-id/welcome.html']));
  });

  it('answers malformed messages with an error instead of throwing', async () => {
    for (const bad of [null, 'get-state', { type: 'nope' }, { type: 'get-state' }, { type: 'get-state', host: 42 }, { type: 'set-settings', settings: [] }]) {
      expect(await ask(bad as never)).toEqual({ error: 'bad-request' });
    }
  });

  it('stays bounded under a flood of failing requests', async () => {
    const floods = [];
    for (let i = 0; i < 600; i += 1) {
      floods.push(
        fakes.webRequest.onErrorOccurred.trigger({ url: `https://mail.proton.me/api/mail/${i}`, tabId: 11, type: 'xmlhttprequest', timeStamp: T0 + i * 100, error: 'net::ERR_CONNECTION_RESET' } as never),
      );
    }
    await Promise.all(floods);
    const state: HostState = await ask({ type: 'get-state', host: 'mail.proton.me' });
    const total = state.failures.reduce((n, f) => n + f.count, 0);
    expect(total).toBe(600);
    expect(state.failures.length).toBeLessThanOrEqual(20);
  });
});

describe('who may send messages', () => {
  it("answers Detour's own pages: the popup, and the options page opened in a tab", async () => {
    expect(await ask({ type: 'get-status' }, ownPageSender('/popup.html'))).toMatchObject({ ready: true });
    const options = ownPageSender('/options.html');
    expect(await ask({ type: 'get-settings' }, { ...options, tab: { id: 4, url: options.url }, frameId: 0 })).toMatchObject({ problems: [] });
  });

  it('refuses a content script in a web page and other extensions, before reading the message', async () => {
    const ownId = fakeBrowser.runtime.id;
    const senders = [
      // A content script: Detour's id, the web page's URL and tab.
      { id: ownId, url: 'https://evil.example/', tab: { id: 3, url: 'https://evil.example/' }, frameId: 0 },
      { id: ownId, url: 'https://evil.example/#chrome-extension://detour-test-id/popup.html' },
      // Another extension, with its own page or pretending to be Detour's.
      { id: 'another-extension', url: 'chrome-extension://another-extension/popup.html' },
      { id: 'another-extension', url: ownPageSender().url },
      { id: ownId, url: 'chrome-extension://detour-test-id.evil.example/popup.html' },
      { id: ownId },
      {},
    ];
    for (const sender of senders) {
      expect(await ask({ type: 'get-overview' }, sender), JSON.stringify(sender)).toEqual({ error: 'forbidden-sender' });
      expect(await ask({ type: 'nonsense' } as never, sender)).toEqual({ error: 'forbidden-sender' });
    }
    // Nor can such a sender point the probes elsewhere.
    expect(await ask({ type: 'set-settings', settings: { controlUrl: 'https://evil.example/' } }, senders[0]!)).toEqual({ error: 'forbidden-sender' });
    expect((await ask({ type: 'get-settings' })).settings.controlUrl).toBe(DEFAULT_SETTINGS.controlUrl);
  });

  it('reads the origin with its slash, on Firefox as on Chromium', () => {
    const firefox = { id: 'detour@example.org', url: 'moz-extension://0c7e5b1f-uuid/popup.html' };
    expect(fromOwnPage(firefox, 'detour@example.org', 'moz-extension://0c7e5b1f-uuid/')).toBe(true);
    expect(fromOwnPage(firefox, 'detour@example.org', 'moz-extension://0c7e5b1f-uuid')).toBe(true);
    expect(fromOwnPage({ ...firefox, url: 'moz-extension://0c7e5b1f-uuid.evil/popup.html' }, 'detour@example.org', 'moz-extension://0c7e5b1f-uuid')).toBe(false);
    expect(fromOwnPage(firefox, '', '')).toBe(false);
    expect(fromOwnPage(undefined, 'detour@example.org', 'moz-extension://0c7e5b1f-uuid/')).toBe(false);
  });
});

describe('background: failure reports', () => {
  const queued = {
    queue: [{ domain: 'mail.proton.me', provider: 'proton', kind: 'censorship', method: 'dns', local_cause: null, failure: 'dns', country: null, hour: new Date(Date.now() - (Date.now() % 3600_000)).toISOString().replace('.000Z', 'Z'), version: '1.2.3', browser: 'chrome' }],
    seen: [],
    attempts: 0,
  };

  it('are off by default, and the preview shows a sample of exactly the fields that would be sent', async () => {
    expect((await ask({ type: 'get-settings' })).settings).toMatchObject({ reportsEnabled: false, reportUrls: [], country: '' });
    const preview = await loadReportPreview('');
    expect(preview).toMatchObject({ source: 'sample', queued: 0 });
    expect(Object.keys(preview.report)).toEqual(['domain', 'provider', 'kind', 'method', 'local_cause', 'failure', 'country', 'hour', 'version', 'browser']);
  });

  it('turning them off deletes the queue a restart read back', async () => {
    // A new background life, reading the queue an earlier one stored.
    fakeBrowser.reset();
    fakes = installFakes();
    await fakeBrowser.storage.local.set({ settings: { reportsEnabled: true, reportUrls: ['http://127.0.0.1:9/'] }, reports: queued });
    background.main();
    await ask({ type: 'get-status' });
    expect(await loadReportPreview('')).toMatchObject({ source: 'queued', queued: 1 });
    const answer = await ask({ type: 'set-settings', settings: { reportsEnabled: false } });
    expect(answer.problems).toEqual([]);
    expect((await fakeBrowser.storage.local.get('reports')).reports).toEqual({ queue: [], seen: [], attempts: 0 });
  });

  it('"clear all data" deletes the reports not sent yet, with everything else', async () => {
    fakeBrowser.reset();
    fakes = installFakes();
    await fakeBrowser.storage.local.set({ settings: { reportsEnabled: true, reportUrls: ['http://127.0.0.1:9/'] }, reports: queued });
    background.main();
    await ask({ type: 'get-status' });
    expect(await loadReportPreview('')).toMatchObject({ source: 'queued', queued: 1 });
    expect(await ask({ type: 'clear-failures' })).toEqual({ ok: true });
    expect((await fakeBrowser.storage.local.get('reports')).reports).toEqual({ queue: [], seen: [], attempts: 0 });
  });
});
