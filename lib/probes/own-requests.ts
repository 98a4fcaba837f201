/**
 * Detour's own probe requests. They go to watched hosts, so the browser reports them to Detour's
 * webRequest listeners like any other request: that is how a probe learns the exact error
 * (net::ERR_CONNECTION_RESET, not just "Failed to fetch"), the IP the browser used and the headers of a
 * redirect. They must never be mistaken for the user's failures: each carries a marker in its URL.
 */
import { classifyBrowserError } from '../browser-errors';
import type { ClassifiedFailure } from '../../engine/failure';

export const PROBE_PARAM = 'detour-probe';

/** What the browser told Detour about one probe request. */
export interface SeenRequest {
  ip?: string;
  status?: number;
  /** Lower-case header names to their first value. */
  headers?: Record<string, string>;
  error?: string;
  failure?: ClassifiedFailure;
}

export function markUrl(url: string, id: string): string {
  const marked = new URL(url);
  marked.searchParams.set(PROBE_PARAM, id);
  return marked.toString();
}

export function probeId(url: string): string | undefined {
  try {
    return new URL(url).searchParams.get(PROBE_PARAM) ?? undefined;
  } catch {
    return undefined;
  }
}

interface WebRequestDetails {
  url: string;
  ip?: string | null;
  statusCode?: number;
  error?: string;
  responseHeaders?: Array<{ name: string; value?: string }>;
}

export class OwnRequests {
  private readonly seen = new Map<string, SeenRequest>();
  private readonly waiters = new Map<string, () => void>();
  private counter = 0;

  /** A fresh id; the caller marks its URL with it and reads `get(id)` after the fetch settles. */
  open(): string {
    this.counter += 1;
    const id = `${Date.now().toString(36)}${this.counter.toString(36)}`;
    this.seen.set(id, {});
    return id;
  }

  get(id: string): SeenRequest {
    return this.seen.get(id) ?? {};
  }

  /**
   * The browser's report of a request can arrive just after fetch settles (they travel separately):
   * waits for the error, or for the address the request went to (which comes with the response's
   * start, after its headers), at most `ms`.
   */
  async settled(id: string, ms: number): Promise<SeenRequest> {
    const entry = this.get(id);
    if (entry.error || entry.ip) return entry;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiters.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.waiters.delete(id);
    return this.get(id);
  }

  close(id: string): void {
    this.seen.delete(id);
    this.waiters.delete(id);
  }

  /** Feeds a webRequest event; returns true when it was a probe's (so it is not the user's failure). */
  observe(details: WebRequestDetails): boolean {
    const id = probeId(details.url);
    if (id === undefined) return false;
    const entry = this.seen.get(id);
    if (!entry) return true;
    if (details.ip) entry.ip = details.ip;
    if (details.statusCode !== undefined && details.statusCode > 0) entry.status = details.statusCode;
    if (details.responseHeaders) {
      entry.headers = {};
      for (const { name, value } of details.responseHeaders) {
        const key = name.toLowerCase();
        if (value !== undefined && !(key in entry.headers)) entry.headers[key] = value;
      }
    }
    if (details.error) {
      entry.error = details.error;
      entry.failure = classifyBrowserError(details.error);
    }
    if (entry.error || entry.ip) this.waiters.get(id)?.();
    return true;
  }
}
