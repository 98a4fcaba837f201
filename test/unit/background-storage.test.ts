/** The background's life across restarts: corrupt storage, state that survives, missed first events. */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import background from '../../entrypoints/background';
import { ask, installFakes, type Fakes } from './fakes';

let fakes: Fakes;


beforeEach(() => {
  fakeBrowser.reset();
  fakes = installFakes();
});

describe('background storage', () => {
  it('starts from corrupt storage, reports it, keeps what is valid and keeps working', async () => {
    const good = { url: 'https://mailbox.org/', class: 'dns', error: 'NS_ERROR_UNKNOWN_HOST', source: 'request', firstAt: 1, lastAt: 2, count: 1 };
    await fakeBrowser.storage.local.set({
      failureLog: { version: 1, hosts: { 'mailbox.org': { entries: [good, { nonsense: true }] } } },
      userDomains: ['ok.example.org', 42, '<script>'],
      settings: { probeBudgetMs: 'fast', controlUrl: 'http://127.0.0.1:9/' },
    });
    background.main();
    const status = await ask({ type: 'get-status' });
    expect(status.ready).toBe(true);
    expect(status.storageProblems).toEqual([
      'failure log: 1 corrupt item(s) dropped',
      'watch list: 2 invalid domain(s) dropped',
      'settings.probeBudgetMs: invalid, its default used',
    ]);
    expect((await ask({ type: 'get-state', host: 'mailbox.org' })).failures).toHaveLength(1);
    expect((await ask({ type: 'get-settings' })).settings.controlUrl).toBe('http://127.0.0.1:9/');
    expect((await ask({ type: 'get-watch-list' })).domains.filter((d) => d.origin === 'user').map((d) => d.domain)).toEqual(['ok.example.org']);

    await fakes.webRequest.onErrorOccurred.trigger({ url: 'https://mailbox.org/', tabId: 1, type: 'main_frame', timeStamp: 10, error: 'net::ERR_CONNECTION_RESET' } as never);
    expect((await ask({ type: 'get-state', host: 'mailbox.org' })).failures.map((f) => f.class)).toEqual(['reset', 'dns']);
  });

  it("answers the first question after a restart with the verdict the previous worker stored", async () => {
    const verdict = { kind: 'censorship', method: 'tls', confidence: 0.8, confirmed: false, evidence: [{ code: 'tls_failed_with_sni', params: { host: 'mailbox.org', failure: 'reset' } }] };
    await fakeBrowser.storage.local.set({
      verdicts: { 'mailbox.org': { runId: 'r1', host: 'mailbox.org', url: 'https://mailbox.org/', trigger: 'reset', startedAt: 1, finishedAt: 2, verdict } },
    });
    background.main();
    // The popup asks at once, as the worker wakes: the verdicts load apart from the failure log.
    expect((await ask({ type: 'get-state', host: 'mailbox.org' })).verdict).toMatchObject({ runId: 'r1', verdict });
  });

  it('keeps failures across a restart of the background (storage is the truth)', async () => {
    background.main();
    await fakes.webRequest.onErrorOccurred.trigger({ url: 'https://proton.me/', tabId: 1, type: 'main_frame', timeStamp: 5, error: 'net::ERR_CONNECTION_RESET' } as never);
    await new Promise((r) => setTimeout(r, 20));
    const saved = await fakeBrowser.storage.local.get('failureLog');
    // A new service worker: fresh listeners, state from storage.
    const storage = { ...saved };
    fakeBrowser.reset();
    fakes = installFakes();
    await fakeBrowser.storage.local.set(storage);
    background.main();
    expect((await ask({ type: 'get-state', host: 'proton.me' })).failures[0]).toMatchObject({ class: 'reset', count: 1 });
  });

  it('recovers a failure that happened before the listeners existed (install, browser start)', async () => {
    const failed = await fakeBrowser.tabs.create({ url: 'https://mail.proton.me/inbox?x=1' });
    const loaded = await fakeBrowser.tabs.create({ url: 'https://posteo.de/' });
    await fakeBrowser.tabs.create({ url: 'https://example.org/' });
    fakes.frames.set(failed.id!, { errorOccurred: true });
    fakes.frames.set(loaded.id!, { errorOccurred: false });
    background.main();
    await fakeBrowser.runtime.onStartup.trigger();
    await vi.waitFor(async () => {
      const state = await ask({ type: 'get-state', host: 'mail.proton.me' });
      expect(state.failures).toEqual([expect.objectContaining({ class: 'unknown', source: 'recovered', url: 'https://mail.proton.me/inbox' })]);
    });
    expect((await ask({ type: 'get-overview' })).hosts.map((h) => h.host)).toEqual(['mail.proton.me']);
    // Running again (onInstalled after onStartup) does not count it twice.
    await fakeBrowser.runtime.onInstalled.trigger({ reason: 'install' } as never);
    await new Promise((r) => setTimeout(r, 20));
    expect((await ask({ type: 'get-state', host: 'mail.proton.me' })).failures[0]!.count).toBe(1);
  });
});
