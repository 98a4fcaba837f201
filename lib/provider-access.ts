/**
 * Watching a catalog provider is having access to its domains: one host permission per root domain
 * (`*://*.proton.me/*`). Pages ask for it here, for one provider or several in one prompt. Browsers
 * show a permission prompt only from a user gesture, and Firefox only before the click handler's
 * first await: call these synchronously in the handler and await what they return.
 */
import { browser } from 'wxt/browser';
import { catalogDomains, providerForHost } from '../catalog/provider-index';
import { hostOf, hostPattern } from '../engine/hosts';
import type { Settings } from './settings';

/** The match patterns that make the providers watched: their catalog root domains. */
export function providerOrigins(providerIds: readonly string[]): string[] {
  const ids = new Set(providerIds);
  return catalogDomains()
    .filter((d) => ids.has(providerForHost(d)?.id ?? ''))
    .map(hostPattern);
}

/**
 * Host access to the canaries whose body Detour checks (lib/settings.ts `canaries`): without it,
 * Chromium cannot read a canary that sends no CORS headers, and a captive portal's login page goes
 * unseen. Asked together with the first providers, so the user sees one prompt.
 */
export function canaryOrigins(settings: Pick<Settings, 'canaries'>): string[] {
  const hosts = settings.canaries.filter((c) => c.expect !== '').map((c) => hostOf(c.url));
  return [...new Set(hosts.filter((h): h is string => !!h))].map((h) => `*://${h}/*`);
}

export function requestProviders(providerIds: readonly string[], extraOrigins: readonly string[] = []): Promise<boolean> {
  const origins = providerOrigins(providerIds);
  return origins.length ? browser.permissions.request({ origins: [...origins, ...extraOrigins] }) : Promise.resolve(false);
}

/** Gives a provider's access back: Detour stops watching it. */
export function releaseProvider(providerId: string): Promise<boolean> {
  return browser.permissions.remove({ origins: providerOrigins([providerId]) });
}
