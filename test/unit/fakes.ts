/**
 * What WXT's fake browser lacks for Detour's unit tests: triggerable webRequest events, webNavigation
 * events that honour URL filters, host permissions that gate webRequest like the real browsers do,
 * i18n from the real messages.json, and badge state. Unit tests only; end-to-end tests use real browsers.
 */
import { readFileSync } from 'node:fs';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { catalogHostPatterns } from '../../catalog/provider-index';
import type { KeyValueStorage } from '../../lib/storage';
import { localeMessages } from '../../scripts/locales';

type Listener = (details: any) => unknown;

/** Match patterns as Detour uses them: <all_urls>, *://*.domain/*, *://domain/*. */
export function matchesPattern(pattern: string, url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  if (pattern === '<all_urls>' || pattern === '*://*/*') return true;
  const match = /^\*:\/\/(\*\.)?([^/]+)\/\*$/.exec(pattern);
  if (!match) throw new Error(`fake does not understand pattern ${pattern}`);
  const [, wildcard, domain] = match;
  return parsed.hostname === domain || (!!wildcard && parsed.hostname.endsWith(`.${domain}`));
}

type UrlFilter = { hostEquals?: string; hostSuffix?: string };

function matchesUrlFilters(filters: UrlFilter[] | undefined, url: string): boolean {
  if (!filters) return true;
  const host = new URL(url).hostname;
  return filters.some((f) => (f.hostEquals === undefined || host === f.hostEquals) && (f.hostSuffix === undefined || host.endsWith(f.hostSuffix)));
}

export interface FakeEvent {
  addListener(listener: Listener, filter?: unknown): void;
  removeListener(listener: Listener): void;
  hasListener(listener: Listener): boolean;
  /** Delivers to every listener whose filter matches; returns how many received it. */
  trigger(details: { url: string; type?: string }): Promise<number>;
  readonly listenerCount: number;
}

function filteredEvent(kind: 'webRequest' | 'webNavigation', permitted: (url: string) => boolean): FakeEvent {
  const listeners: Array<{ listener: Listener; filter: any }> = [];
  return {
    addListener(listener, filter) {
      listeners.push({ listener, filter });
    },
    removeListener(listener) {
      const i = listeners.findIndex((l) => l.listener === listener);
      if (i >= 0) listeners.splice(i, 1);
    },
    hasListener: (listener) => listeners.some((l) => l.listener === listener),
    async trigger(details) {
      const matching = listeners.filter(({ filter }) => {
        if (kind === 'webNavigation') return matchesUrlFilters(filter?.url, details.url);
        // webRequest: the browser reports only URLs the extension holds a host permission for.
        if (!permitted(details.url)) return false;
        if (filter?.types && details.type && !filter.types.includes(details.type)) return false;
        return (filter?.urls ?? []).some((p: string) => matchesPattern(p, details.url));
      });
      await Promise.all(matching.map(({ listener }) => listener(details)));
      return matching.length;
    },
    get listenerCount() {
      return listeners.length;
    },
  };
}

/** An event without filters (permissions.onAdded and the like). */
function plainEvent(): FakeEvent {
  const listeners: Listener[] = [];
  return {
    addListener: (listener) => void listeners.push(listener),
    removeListener: (listener) => void listeners.splice(listeners.indexOf(listener) >>> 0, 1),
    hasListener: (listener) => listeners.includes(listener),
    async trigger(details) {
      await Promise.all(listeners.map((l) => l(details)));
      return listeners.length;
    },
    get listenerCount() {
      return listeners.length;
    },
  };
}

const messages = localeMessages('en');

/** chrome.i18n.getMessage over the real English messages, with $1..$9 substitutions. */
export function getMessage(key: string, substitutions?: string | string[]): string {
  if (key === '@@ui_locale') return 'en';
  if (key === '@@bidi_dir') return 'ltr';
  const entry = messages[key];
  if (!entry) return '';
  const subs = typeof substitutions === 'string' ? [substitutions] : (substitutions ?? []);
  return entry.message.replace(/\$(\d)/g, (_, n: string) => subs[Number(n) - 1] ?? '');
}

export interface Fakes {
  webRequest: Record<'onErrorOccurred' | 'onCompleted' | 'onBeforeRedirect' | 'onHeadersReceived' | 'onResponseStarted', FakeEvent>;
  webNavigation: Record<'onErrorOccurred' | 'onBeforeNavigate' | 'onCommitted' | 'onDOMContentLoaded' | 'onCompleted', FakeEvent>;
  /**
   * Host permissions granted: the catalog's at the start (as the lab's test copies of the extension
   * hold them from install), and whatever is requested later. Change it through `permissions`.
   */
  granted: Set<string>;
  /** permissions.onAdded / onRemoved, delivered as the browser does after a grant or a removal. */
  permissionEvents: { onAdded: FakeEvent; onRemoved: FakeEvent };
  badges: Map<number, string>;
  frames: Map<number, { errorOccurred: boolean }>;
}

const realFetch = globalThis.fetch;

/**
 * Unit tests never reach the network: the background's probes would otherwise ask the default
 * public resolvers. Loopback stays reachable for tests that start their own servers.
 */
export function loopbackOnlyFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const url = new URL(input instanceof Request ? input.url : String(input));
  // The extension's own files, as the build ships them.
  if (url.protocol === 'chrome-extension:' && url.pathname === '/fingerprints.json') {
    return Promise.resolve(new Response(readFileSync(new URL('../../engine/fingerprints.data.json', import.meta.url))));
  }
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    return Promise.reject(new TypeError(`unit tests reach no network (${url.host})`));
  }
  return realFetch(input, init);
}

/** Installs the fakes on WXT's fakeBrowser. Call after fakeBrowser.reset(). */
export function installFakes(): Fakes {
  const granted = new Set<string>(catalogHostPatterns());
  const permitted = (url: string) => [...granted].some((p) => matchesPattern(p, url));
  const permissionEvents = { onAdded: plainEvent(), onRemoved: plainEvent() };
  const fakes: Fakes = {
    webRequest: {
      onErrorOccurred: filteredEvent('webRequest', permitted),
      onCompleted: filteredEvent('webRequest', permitted),
      onBeforeRedirect: filteredEvent('webRequest', permitted),
      onHeadersReceived: filteredEvent('webRequest', permitted),
      onResponseStarted: filteredEvent('webRequest', permitted),
    },
    webNavigation: {
      onErrorOccurred: filteredEvent('webNavigation', permitted),
      onBeforeNavigate: filteredEvent('webNavigation', permitted),
      onCommitted: filteredEvent('webNavigation', permitted),
      onDOMContentLoaded: filteredEvent('webNavigation', permitted),
      onCompleted: filteredEvent('webNavigation', permitted),
    },
    granted,
    permissionEvents,
    badges: new Map(),
    frames: new Map(),
  };
  globalThis.fetch = loopbackOnlyFetch as typeof fetch;
  const b = fakeBrowser as any;
  b.webRequest = fakes.webRequest;
  Object.assign(b.webNavigation, fakes.webNavigation, {
    getFrame: async ({ tabId }: { tabId: number }) => fakes.frames.get(tabId) ?? null,
  });
  b.i18n.getMessage = getMessage;
  b.i18n.getUILanguage = () => 'en';
  b.permissions = {
    contains: async ({ origins }: { origins: string[] }) => origins.every((o) => granted.has(o)),
    getAll: async () => ({ origins: [...granted], permissions: [] }),
    request: async ({ origins }: { origins: string[] }) => {
      origins.forEach((o) => granted.add(o));
      await permissionEvents.onAdded.trigger({ origins } as never);
      return true;
    },
    remove: async ({ origins }: { origins: string[] }) => {
      const removed = origins.map((o) => granted.delete(o)).every(Boolean);
      await permissionEvents.onRemoved.trigger({ origins } as never);
      return removed;
    },
    onAdded: permissionEvents.onAdded,
    onRemoved: permissionEvents.onRemoved,
  };
  b.action = {
    setBadgeText: async ({ tabId, text }: { tabId: number; text: string }) => void fakes.badges.set(tabId, text),
    setBadgeBackgroundColor: async () => {},
    setTitle: async () => {},
  };
  b.runtime.getManifest = () => ({ version: '0.0.0-test', manifest_version: 3 });
  b.runtime.id = 'detour-test-id';
  b.runtime.getURL = (path: string) => `chrome-extension://detour-test-id${path.startsWith('/') ? '' : '/'}${path}`;
  return fakes;
}

/** runtime.MessageSender as the browser fills it for one of Detour's own pages (popup by default). */
export function ownPageSender(path = '/popup.html'): { id: string; url: string } {
  return { id: fakeBrowser.runtime.id, url: fakeBrowser.runtime.getURL(path as '/popup.html') };
}

/** Sends a runtime message to the background as Detour's pages do, and returns its answer. */
export async function ask<T extends keyof import('../../lib/messages').ResponseMap>(
  message: { type: T } & Record<string, unknown>,
  sender: Record<string, unknown> = ownPageSender(),
): Promise<import('../../lib/messages').ResponseMap[T]> {
  // As both browsers deliver it: the listener returns true and answers through sendResponse.
  const trigger = fakeBrowser.runtime.onMessage.trigger as unknown as (...args: unknown[]) => Promise<unknown[]>;
  let sendResponse!: (answer: unknown) => void;
  const answered = new Promise<unknown>((resolve) => (sendResponse = resolve));
  const returned = await trigger(message, sender, sendResponse);
  if (!returned.includes(true)) throw new Error(`no listener kept the channel open for ${JSON.stringify(message)}`);
  return (await answered) as import('../../lib/messages').ResponseMap[T];
}

/**
 * Makes the next read of each key return `values[key]` as a structured clone, the way Firefox's
 * storage keeps it: NaN, Infinity and own `__proto__` keys survive (the fake's JSON round trip would
 * turn them into null or drop them). Writes go to the fake as usual.
 */
export function preloadStorage(values: Record<string, unknown>): void {
  const local = fakeBrowser.storage.local as unknown as { get(keys: unknown): Promise<Record<string, unknown>> };
  const original = local.get;
  const pending = new Map(Object.entries(values));
  local.get = async (keys) => {
    const answer = await original.call(local, keys);
    for (const key of Array.isArray(keys) ? keys : [keys]) {
      if (typeof key === 'string' && pending.has(key)) {
        answer[key] = structuredClone(pending.get(key));
        pending.delete(key);
      }
    }
    // Once every value was read, the fake is itself again (fakeBrowser.reset() would not restore it).
    if (pending.size === 0) local.get = original;
    return answer;
  };
}

/** storage.local in memory, for units that take a KeyValueStorage; values are cloned both ways, as the browser does. */
export function memoryStorage(initial: Record<string, unknown> = {}): KeyValueStorage & { data: Record<string, unknown> } {
  const data: Record<string, unknown> = structuredClone(initial);
  return {
    data,
    get: async (keys) => Object.fromEntries(keys.filter((k) => k in data).map((k) => [k, structuredClone(data[k])])),
    set: async (items) => void Object.assign(data, structuredClone(items)),
  };
}
