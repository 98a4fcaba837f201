/**
 * fetch with a deadline, a timing and the first bytes of the body: the building block of every probe.
 * Probes never send cookies or credentials and never use the cache: they measure the network now.
 */

export interface FetchResult {
  /** A response arrived (any status, or an opaque one). */
  ok: boolean;
  response?: Response;
  /** The probe's own deadline cut it short. */
  timedOut: boolean;
  elapsedMs: number;
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export async function timedFetch(
  fetchFn: Fetch,
  url: string,
  init: RequestInit & { timeoutMs: number; signal: AbortSignal },
): Promise<FetchResult> {
  const started = performance.now();
  const timeout = AbortSignal.timeout(Math.max(1, init.timeoutMs));
  const signal = AbortSignal.any([init.signal, timeout]);
  try {
    const response = await fetchFn(url, {
      ...init,
      signal,
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
    return { ok: true, response, timedOut: false, elapsedMs: Math.round(performance.now() - started) };
  } catch {
    return { ok: false, timedOut: signal.aborted, elapsedMs: Math.round(performance.now() - started) };
  }
}

/** Reads at most `limit` bytes of a body as text, then stops the download. */
export async function readBodyPrefix(response: Response, limit: number): Promise<{ text: string; bytes: number; truncated: boolean }> {
  if (!response.body || response.type === 'opaque' || response.type === 'opaqueredirect') {
    return { text: '', bytes: 0, truncated: false };
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      bytes += value.byteLength;
      if (bytes >= limit) {
        truncated = true;
        break;
      }
    }
  } catch {
    // A reset mid-body still leaves what arrived.
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  const all = new Uint8Array(Math.min(bytes, limit));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, all.length - offset);
    all.set(part, offset);
    offset += part.length;
    if (offset >= all.length) break;
  }
  return { text: new TextDecoder('utf-8', { fatal: false }).decode(all), bytes, truncated };
}

export function titleOf(html: string): string | undefined {
  const match = /<title[^>]*>([^<]{0,300})/i.exec(html);
  return match ? match[1]!.replace(/\s+/g, ' ').trim() : undefined;
}
