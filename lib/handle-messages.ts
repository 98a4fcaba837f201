/**
 * Answers the runtime messages of lib/messages.ts. Messages come from Detour's own pages (and the
 * end-to-end tests, through those pages); they are still checked, because a malformed one must get
 * a clear error, not an exception in the background.
 */
import { browser } from 'wxt/browser';
import type { DetourState } from './detour-state';
import { hostOf, normalizeHost } from './hosts';
import type { ErrorResponse, HostState, Request, ResponseMap } from './messages';
import type { ProbeScheduler } from './probe-scheduler';
import { originPattern } from './watch-list';

export interface MessageHooks {
  listenersSince: number;
  /** The user's domain list changed: re-register what depends on it. */
  userDomainsChanged(): void;
}

type Handlers = { [T in Request['type']]: (request: Extract<Request, { type: T }>) => Promise<ResponseMap[T]> };

export function createMessageHandlers(state: DetourState, scheduler: ProbeScheduler, hooks: MessageHooks): Handlers {
  const describe = (host: string): HostState => {
    const described = { ...state.hostState(host), probing: scheduler.isRunning(host) };
    const verdict = scheduler.verdictFor(host);
    return verdict ? { ...described, verdict } : described;
  };
  return {
    'get-status': async () => ({
      ready: true,
      version: browser.runtime.getManifest().version,
      listenersSince: hooks.listenersSince,
      storageProblems: [...state.storageProblems],
    }),
    'get-state': async ({ host }) => describe(normalizeHost(host) ?? host),
    'get-tab-state': async ({ tabId }) => {
      const tab = await browser.tabs.get(tabId).catch(() => undefined);
      const host = hostOf(tab?.url);
      return host && state.watch.isWatched(host) ? describe(host) : null;
    },
    'get-overview': async () => ({ hosts: state.recentHosts().map(describe), watchedCount: state.watch.list().length }),
    'probe-host': async ({ host: input }) => {
      const host = normalizeHost(input);
      if (!host || !state.watch.isWatched(host)) return { error: 'not-watched' };
      const latest = state.hostState(host).failures[0];
      const url = latest?.url ?? `https://${host}/`;
      await scheduler.trigger({ host, url, startedAt: Date.now(), reason: 'user' }, { force: true });
      return describe(host);
    },
    'get-watch-list': async () => ({ domains: state.watch.list() }),
    'watch-add': async ({ domain }) => {
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
    'watch-remove': async ({ domain }) => {
      const removed = state.watch.remove(domain);
      if ('error' in removed) return removed;
      await state.saveUserDomains();
      hooks.userDomainsChanged();
      // Give the permission back: Detour holds host access only for what it watches.
      await browser.permissions.remove({ origins: [originPattern(removed.domain)] }).catch(() => false);
      return removed;
    },
    'get-settings': async () => ({ settings: state.settings, problems: state.settingsProblems }),
    'set-settings': async ({ settings }) => state.updateSettings(settings ?? {}),
    'clear-failures': async () => {
      await Promise.all([state.clearFailures(), scheduler.clear()]);
      return { ok: true };
    },
  };
}

function validRequest(message: unknown): message is Request {
  if (!message || typeof message !== 'object') return false;
  const m = message as Record<string, unknown>;
  switch (m.type) {
    case 'get-state':
    case 'probe-host':
      return typeof m.host === 'string' && m.host.length <= 300;
    case 'get-tab-state':
      return typeof m.tabId === 'number' && Number.isInteger(m.tabId);
    case 'watch-add':
    case 'watch-remove':
      return typeof m.domain === 'string' && m.domain.length <= 300;
    case 'set-settings':
      return !!m.settings && typeof m.settings === 'object' && !Array.isArray(m.settings);
    case 'get-overview':
    case 'get-status':
    case 'get-watch-list':
    case 'get-settings':
    case 'clear-failures':
      return true;
    default:
      return false;
  }
}

/** Dispatches one message; every answer is JSON, errors included. */
export async function handleMessage(handlers: Handlers, state: DetourState, message: unknown): Promise<unknown> {
  if (!validRequest(message)) return { error: 'bad-request' } satisfies ErrorResponse;
  await state.ready;
  const handler = handlers[message.type] as (r: Request) => Promise<unknown>;
  try {
    return await handler(message);
  } catch (error) {
    return { error: `failed: ${String(error)}` } satisfies ErrorResponse;
  }
}
