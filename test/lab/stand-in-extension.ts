/**
 * A tiny extension that stands in for Detour while the real one is being built, so the lab harness can
 * be tested on its own. It records what the browser reports about navigations (webRequest and
 * webNavigation errors, completions with status codes) and answers the same status message as the real
 * background:
 *
 *   { type: 'get-status' } -> { ready: true, version, listenersSince, uiLanguage, storageProblems: [] }
 *   { type: 'get-log' }    -> { events: StandInEvent[] }   (oldest first)
 *   { type: 'clear-log' }  -> { ok: true }
 *
 * MV3 (service worker) for Chromium, MV2 (background script) for Firefox; same code in both. The gecko
 * id is Detour's, so the fixed-UUID pref the harness sets applies to it too.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const STAND_IN_GECKO_ID = 'detour@detour.invalid';

export interface StandInEvent {
  source: 'webRequest' | 'webNavigation';
  /** `started`: webRequest.onResponseStarted (headers in); `committed`: webNavigation.onCommitted. */
  event: 'error' | 'completed' | 'started' | 'committed';
  url: string;
  /** net::ERR_* (Chromium), NS_ERROR_* (Firefox webRequest), `Error code N` (Firefox webNavigation). */
  error?: string;
  statusCode?: number;
  /** webRequest resource type (main_frame, xmlhttprequest, ...). */
  type?: string;
  tabId: number;
  /** Milliseconds since the epoch, from the browser's event. */
  timeStamp: number;
}

export interface StandInStatus {
  ready: true;
  version: string;
  listenersSince: number;
  /** browser.i18n.getUILanguage(): proves the locale the harness asked for took effect. */
  uiLanguage: string;
  /** The extension's own _locales message, so a test can see which locale the extension renders in. */
  greeting: string;
  storageProblems: string[];
}

/**
 * The background, as plain JavaScript text. A string rather than a stringified TS function: tsx and
 * vitest may compile functions with helpers (esbuild's __name) that do not exist in the extension.
 */
const BACKGROUND_JS = String.raw`'use strict';
const api = globalThis.browser ?? globalThis.chrome;
const listenersSince = Date.now();
let events = [];
// The MV3 worker may be stopped when idle; keep the log in storage so a restart loses nothing.
const loaded = api.storage.local.get('log').then((stored) => {
  if (Array.isArray(stored && stored.log)) events = stored.log.concat(events);
});
function record(event) {
  events.push(event);
  loaded.then(() => api.storage.local.set({ log: events }));
}
const filter = { urls: ['<all_urls>'] };
const isOwnPage = (url) => /^(chrome|moz)-extension:/.test(url);
api.webRequest.onErrorOccurred.addListener((d) => {
  if (!isOwnPage(d.url)) record({ source: 'webRequest', event: 'error', url: d.url, error: d.error, type: d.type, tabId: d.tabId, timeStamp: d.timeStamp });
}, filter);
api.webRequest.onCompleted.addListener((d) => {
  if (!isOwnPage(d.url)) record({ source: 'webRequest', event: 'completed', url: d.url, statusCode: d.statusCode, type: d.type, tabId: d.tabId, timeStamp: d.timeStamp });
}, filter);
api.webRequest.onResponseStarted.addListener((d) => {
  if (!isOwnPage(d.url) && d.type === 'main_frame') record({ source: 'webRequest', event: 'started', url: d.url, statusCode: d.statusCode, type: d.type, tabId: d.tabId, timeStamp: d.timeStamp });
}, filter);
api.webNavigation.onCommitted.addListener((d) => {
  if (d.frameId === 0 && !isOwnPage(d.url) && d.url !== 'about:blank') record({ source: 'webNavigation', event: 'committed', url: d.url, tabId: d.tabId, timeStamp: d.timeStamp });
});
api.webNavigation.onErrorOccurred.addListener((d) => {
  if (d.frameId === 0 && !isOwnPage(d.url)) record({ source: 'webNavigation', event: 'error', url: d.url, error: d.error, tabId: d.tabId, timeStamp: d.timeStamp });
});
api.webNavigation.onCompleted.addListener((d) => {
  if (d.frameId === 0 && !isOwnPage(d.url) && d.url !== 'about:blank') record({ source: 'webNavigation', event: 'completed', url: d.url, tabId: d.tabId, timeStamp: d.timeStamp });
});
// sendResponse + return true: the one form both Chromium and Firefox accept for async answers.
api.runtime.onMessage.addListener((message, sender, sendResponse) => {
  loaded.then(async () => {
    switch (message && message.type) {
      case 'get-status':
        return sendResponse({
          ready: true,
          version: api.runtime.getManifest().version,
          listenersSince,
          uiLanguage: api.i18n.getUILanguage(),
          greeting: api.i18n.getMessage('greeting'),
          storageProblems: [],
        });
      case 'get-log':
        return sendResponse({ events });
      case 'clear-log':
        events = [];
        await api.storage.local.set({ log: [] });
        return sendResponse({ ok: true });
      default:
        return sendResponse({ error: 'unknown message ' + JSON.stringify(message && message.type) });
    }
  });
  return true;
});
`;

const POPUP_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>Detour stand-in</title>
<style>body{font:16px sans-serif;margin:16px;background:#f4f6fb}h1{font-size:20px;color:#234}</style></head>
<body><h1 id="greeting">Detour stand-in</h1><p>Lab harness stand-in extension.</p>
<script src="popup.js"></script></body></html>
`;

// Shows the localized greeting, so a screenshot proves which _locales the browser picked.
const POPUP_JS = `(globalThis.browser ?? globalThis.chrome).i18n && (document.getElementById('greeting').textContent =
  (globalThis.browser ?? globalThis.chrome).i18n.getMessage('greeting'));\n`;

/**
 * Writes the stand-in to a new temp dir and returns its path. `mv3` for Chromium, `mv2` for Firefox.
 */
export async function writeStandInExtension(options: { manifestVersion: 2 | 3; dir?: string }): Promise<string> {
  const dir = options.dir ?? (await fs.mkdtemp(path.join(os.tmpdir(), `detour-stand-in-mv${options.manifestVersion}-`)));
  const common = {
    name: 'Detour stand-in',
    version: '0.0.1',
    default_locale: 'en',
    permissions: ['storage', 'webNavigation', 'webRequest'],
  };
  const manifest =
    options.manifestVersion === 3
      ? { ...common, manifest_version: 3, host_permissions: ['<all_urls>'], background: { service_worker: 'background.js' }, action: { default_popup: 'popup.html' } }
      : {
          ...common,
          manifest_version: 2,
          permissions: [...common.permissions, '<all_urls>'],
          background: { scripts: ['background.js'], persistent: true },
          browser_action: { default_popup: 'popup.html' },
          browser_specific_settings: { gecko: { id: STAND_IN_GECKO_ID, strict_min_version: '128.0' } },
        };
  await fs.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  await fs.writeFile(path.join(dir, 'background.js'), BACKGROUND_JS);
  await fs.writeFile(path.join(dir, 'popup.html'), POPUP_HTML);
  await fs.writeFile(path.join(dir, 'popup.js'), POPUP_JS);
  for (const [locale, greeting] of [['en', 'Hello from the lab'], ['ru', 'Привет из лаборатории']] as const) {
    await fs.mkdir(path.join(dir, '_locales', locale), { recursive: true });
    await fs.writeFile(path.join(dir, '_locales', locale, 'messages.json'), JSON.stringify({ greeting: { message: greeting } }, null, 2));
  }
  return dir;
}
