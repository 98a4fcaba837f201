/** Typed runtime messages from Detour's pages to its background (contract: lib/messages.ts). */
import { browser } from 'wxt/browser';
import type { RequestOf, RequestType, ResponseOf } from './messages';

export function ask<T extends RequestType>(request: RequestOf<T>): Promise<ResponseOf<T>> {
  return browser.runtime.sendMessage(request) as Promise<ResponseOf<T>>;
}
