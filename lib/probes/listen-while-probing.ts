/**
 * While probes run, Detour also listens to the answers of its own requests (headers of a redirect,
 * the IP a request went to). Only then: these events fire for every request to a watched host, and
 * outside probe runs they would wake Detour for the webmail's ordinary traffic.
 */
import { browser } from 'wxt/browser';
import type { OwnRequests } from './own-requests';

/**
 * Returns `activity(running)`. Probe runs and status checks each say when they start and stop; the
 * listeners stay while any of them is going.
 */
export function listenWhileProbing(own: OwnRequests): (running: boolean) => void {
  const observe = (details: Parameters<OwnRequests['observe']>[0]) => void own.observe(details);
  const filter = { urls: ['<all_urls>'] };
  let users = 0;
  return (running) => {
    const before = users;
    users = Math.max(0, users + (running ? 1 : -1));
    if ((before > 0) === (users > 0)) return;
    const events = [browser.webRequest.onResponseStarted, browser.webRequest.onBeforeRedirect, browser.webRequest.onCompleted];
    if (running) {
      browser.webRequest.onHeadersReceived.addListener(observe, filter, ['responseHeaders']);
      for (const event of events) event.addListener(observe, filter);
    } else {
      browser.webRequest.onHeadersReceived.removeListener(observe);
      for (const event of events) event.removeListener(observe);
    }
  };
}
