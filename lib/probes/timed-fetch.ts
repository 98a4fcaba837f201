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

/**
 * How a body read ended: `complete` (all of it), `cap` (the limit reached: the rest was cancelled),
 * `cut` (the fetch's deadline or an error stopped it mid-body).
 */
export type BodyEnd = 'complete' | 'cap' | 'cut';

export interface BodyBytes {
  bytes: Uint8Array;
  /** Bytes that arrived (may pass `limit` by the last chunk's worth; only `limit` are kept). */
  received: number;
  truncated: boolean;
  /** How long the read took, ms: with `received`, the rate the body flowed at. */
  ms: number;
  end: BodyEnd;
}

/**
 * Reads at most `limit` bytes of a body, then cancels the rest of the download: whatever answers (a
 * server, or a middlebox in its place) cannot make Detour hold more. `truncated`: the body was longer.
 * A stalled or trickling body ends with the fetch's own deadline, which errors the stream: what
 * arrived by then, and how long it took, is the measurement (`end: 'cut'`).
 */
export async function readBodyBytes(response: Response, limit: number): Promise<BodyBytes> {
  const started = performance.now();
  if (!response.body || response.type === 'opaque' || response.type === 'opaqueredirect') {
    return { bytes: new Uint8Array(0), received: 0, truncated: false, ms: 0, end: 'complete' };
  }
  const chunks: Uint8Array[] = [];
  let received = 0;
  let truncated = false;
  let end: BodyEnd = 'cut';
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        end = 'complete';
        break;
      }
      chunks.push(value);
      received += value.byteLength;
      // Past the limit, not at it: a body of exactly `limit` bytes is whole, not truncated.
      if (received > limit) {
        truncated = true;
        end = 'cap';
        break;
      }
    }
  } catch {
    // A reset mid-body still leaves what arrived (and a body already taken leaves nothing).
  } finally {
    void reader?.cancel().catch(() => undefined);
  }
  const ms = Math.round(performance.now() - started);
  const bytes = new Uint8Array(Math.min(received, limit));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.length - offset);
    bytes.set(part, offset);
    offset += part.length;
    if (offset >= bytes.length) break;
  }
  return { bytes, received, truncated, ms, end };
}

/** Reads at most `limit` bytes of a body as text, then stops the download. */
export async function readBodyPrefix(
  response: Response,
  limit: number,
): Promise<{ text: string; bytes: number; truncated: boolean; ms: number; end: BodyEnd }> {
  const { bytes, received, truncated, ms, end } = await readBodyBytes(response, limit);
  return { text: new TextDecoder('utf-8', { fatal: false }).decode(bytes), bytes: received, truncated, ms, end };
}
