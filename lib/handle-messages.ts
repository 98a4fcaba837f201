/**
 * Answers the runtime messages of lib/messages.ts. Messages come from Detour's own pages (and the
 * end-to-end tests, through those pages); anything else is refused before it is read. They are still
 * checked, because a malformed one must get a clear error, not an exception in the background.
 */
import { browser } from 'wxt/browser';
import { checkTargets, type ProviderChecker } from './check-providers';
import type { DetourState } from './detour-state';
import { hostOf, normalizeHost } from '../engine/hosts';
import { hostView } from './host-view';
import { onionKey, type LearnedOnionStore } from './learned-onions';
import type { ErrorResponse, HostState, RequestOf, RequestType, ResponseOf } from './messages';
import type { ProbeScheduler } from './probe-scheduler';
import type { Reporter } from './reports/reporter';
import { providerStatus } from './provider-status';
import { originPattern } from './watch-list';

export interface MessageHooks {
  listenersSince: number;
  /** The user's domain list changed: re-register what depends on it. */
  userDomainsChanged(): void;
  /** Onions the sites announced; absent in tests that do not need them. */
  learnedOnions?: LearnedOnionStore;
  /** The status check; absent in tests that do not need it. */
  checker?: ProviderChecker;
  /** Failure reports (opt-in); absent in tests that do not need them. */
  reporter?: Reporter;
}

const MAX_CHECK_KEYS = 300;

/** One message: how to tell a well-formed request, and how to answer it. */
interface MessageEntry<T extends RequestType> {
  valid(message: Record<string, unknown>): boolean;
  handle(request: RequestOf<T>): Promise<ResponseOf<T>>;
}

/**
 * Every message, one entry each. The type lists every request of lib/messages.ts, so a message added
 * there and forgotten here does not compile.
 */
export type MessageTable = { [T in RequestType]: MessageEntry<T> };

const always = () => true;
const shortString = (value: unknown) => typeof value === 'string' && value.length <= 300;

export function createMessageTable(state: DetourState, scheduler: ProbeScheduler, hooks: MessageHooks): MessageTable {
  // The verdicts load apart from the rest of the state: a popup opened as the worker wakes would
  // otherwise be told "no verdict" for a host that has one.
  const describe = async (host: string): Promise<HostState> => {
    await scheduler.ready;
    return hostView(host, {
      record: state.record(host),
      watched: state.watch.isWatched(host),
      verdict: scheduler.verdictFor(host),
      probing: scheduler.isRunning(host),
      now: Date.now(),
      announcedOnions: hooks.learnedOnions?.forKey(onionKey(host)),
    });
  };
  return {
    'get-status': {
      valid: always,
      handle: async () => ({
        ready: true,
        version: browser.runtime.getManifest().version,
        listenersSince: hooks.listenersSince,
        storageProblems: [...state.storageProblems],
      }),
    },
    'get-state': {
      valid: (m) => shortString(m.host),
      handle: async ({ host }) => {
        const normalized = normalizeHost(host);
        // Records are keyed by host name. Anything else has none, and must not be looked up: the
        // stores are plain objects, where `__proto__` or `constructor` would find Object's own members.
        return normalized ? describe(normalized) : { host, watched: false, failures: [], failedRecently: false, probing: false };
      },
    },
    'get-tab-state': {
      valid: (m) => typeof m.tabId === 'number' && Number.isInteger(m.tabId),
      handle: async ({ tabId }) => {
        const tab = await browser.tabs.get(tabId).catch(() => undefined);
        const host = hostOf(tab?.url);
        return host && state.watch.isWatched(host) ? describe(host) : null;
      },
    },
    'get-overview': {
      valid: always,
      handle: async () => ({ hosts: await Promise.all(state.recentHosts().map(describe)), watchedCount: state.watch.list().length }),
    },
    'probe-host': {
      valid: (m) => shortString(m.host),
      handle: async ({ host: input }) => {
        const host = normalizeHost(input);
        if (!host || !state.watch.isWatched(host)) return { error: 'not-watched' };
        const latest = state.record(host)?.entries[0];
        const url = latest?.url ?? `https://${host}/`;
        await scheduler.trigger({ host, url, startedAt: Date.now(), reason: 'user' }, { force: true });
        return describe(host);
      },
    },
    'get-provider-status': {
      valid: always,
      handle: async () => {
        const { checker } = hooks;
        await Promise.all([scheduler.ready, checker?.ready]);
        const records = new Map(Object.entries(state.log.hosts));
        const verdicts = scheduler.allVerdicts();
        const providers = checkTargets(state.watch.userDomains)
          .filter((target) => target.domains.some((d) => state.watch.isWatched(d)))
          .map((target) =>
          providerStatus(target, {
            check: checker?.result(target.key),
            records,
            verdicts,
            checking: checker?.isChecking(target.key) ?? false,
            probing: (host) => scheduler.isRunning(host),
          }),
        );
        const run = checker?.run;
        return run ? { providers, run: { ...run, running: run.finishedAt === undefined && providers.some((p) => p.checking) } } : { providers };
      },
    },
    'check-providers': {
      valid: (m) => m.keys === undefined || (Array.isArray(m.keys) && m.keys.length <= MAX_CHECK_KEYS && m.keys.every(shortString)),
      handle: async ({ keys }) => {
        if (!hooks.checker) return { error: 'unavailable' };
        const all = checkTargets(state.watch.userDomains).filter((t) => t.domains.some((d) => state.watch.isWatched(d)));
        const chosen = keys ? all.filter((t) => keys.includes(t.key)) : all;
        if (keys && chosen.length === 0) return { error: 'not-watched' };
        return hooks.checker.check(chosen, { all: !keys });
      },
    },
    'get-watch-list': { valid: always, handle: async () => ({ domains: state.watch.list() }) },
    'watch-refresh': {
      valid: always,
      handle: async () => {
        await state.refreshGrants();
        hooks.userDomainsChanged();
        return { domains: state.watch.list() };
      },
    },
    'watch-add': {
      valid: (m) => shortString(m.domain),
      handle: async ({ domain }) => {
        const added = state.watch.add(domain);
        if ('error' in added) return added;
        const granted = await browser.permissions.contains({ origins: [originPattern(added.domain)] });
        if (!granted) {
          state.watch.remove(added.domain);
          return { error: 'permission-not-granted' };
        }
        await state.saveUserDomains();
        hooks.userDomainsChanged();
        return added;
      },
    },
    'watch-remove': {
      valid: (m) => shortString(m.domain),
      handle: async ({ domain }) => {
        const removed = state.watch.remove(domain);
        if ('error' in removed) return removed;
        await state.saveUserDomains();
        hooks.userDomainsChanged();
        // Give the permission back: Detour holds host access only for what it watches.
        await browser.permissions.remove({ origins: [originPattern(removed.domain)] }).catch(() => false);
        return removed;
      },
    },
    'get-settings': { valid: always, handle: async () => ({ settings: state.settings, problems: state.settingsProblems }) },
    'set-settings': {
      valid: (m) => !!m.settings && typeof m.settings === 'object' && !Array.isArray(m.settings),
      handle: async ({ settings }) => {
        const before = state.settings;
        const answer = await state.updateSettings(settings ?? {});
        // Reports turned off: the queue is deleted before the answer, so the page can say so.
        if (answer.problems.length === 0) await hooks.reporter?.settingsChanged(before, state.settings);
        return answer;
      },
    },
    'clear-failures': {
      valid: always,
      handle: async () => {
        await Promise.all([state.clearFailures(), scheduler.clear(), hooks.learnedOnions?.clear(), hooks.checker?.clear(), hooks.reporter?.clear()]);
        return { ok: true };
      },
    },
  };
}

/** What the browser says about where a message came from (runtime.MessageSender, the part used here). */
export interface Sender {
  id?: string;
  url?: string;
}

/**
 * True for Detour's own pages: the popup, the options page (also when opened in a tab), any page of
 * the extension's origin. runtime.onMessage also delivers what a content script sends, with the
 * extension's id but the web page's URL; Detour has no content script today, and the check keeps a
 * future one (or a page it runs in) from reading the failure log or changing the endpoints.
 * `ownOrigin` is runtime.getURL(''), e.g. `chrome-extension://<id>/`.
 */
export function fromOwnPage(sender: Sender | undefined, ownId: string, ownOrigin: string): boolean {
  if (!sender || !ownId || !ownOrigin || sender.id !== ownId || typeof sender.url !== 'string') return false;
  // With its slash, so `chrome-extension://<id>.evil/` cannot pass for `chrome-extension://<id>`.
  const origin = ownOrigin.endsWith('/') ? ownOrigin : `${ownOrigin}/`;
  return sender.url.startsWith(origin);
}

/** Dispatches one message; every answer is JSON, errors included, and it never rejects. */
export async function handleMessage(table: MessageTable, state: DetourState, message: unknown, sender: Sender | undefined): Promise<unknown> {
  if (!fromOwnPage(sender, browser.runtime.id, browser.runtime.getURL(''))) return { error: 'forbidden-sender' } satisfies ErrorResponse;
  if (!message || typeof message !== 'object') return { error: 'bad-request' } satisfies ErrorResponse;
  const m = message as Record<string, unknown>;
  const entry = typeof m.type === 'string' && Object.prototype.hasOwnProperty.call(table, m.type) ? (table[m.type as RequestType] as MessageEntry<RequestType>) : undefined;
  if (!entry || !entry.valid(m)) return { error: 'bad-request' } satisfies ErrorResponse;
  try {
    await state.ready;
    return await entry.handle(m as unknown as RequestOf<RequestType>);
  } catch (error) {
    return { error: `failed: ${String(error)}` } satisfies ErrorResponse;
  }
}
