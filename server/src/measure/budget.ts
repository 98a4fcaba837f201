/**
 * Time for one measurement. Every step gets the smaller of its own cap and what is left of the
 * measurement's total, so a slow DNS answer cannot push the HTTP fetch past the deadline, and an
 * AbortSignal lets the service cut every step short at once (client gone, shutdown).
 */
import { failureError } from '../failure-strings';

export class Budget {
  readonly deadline: number;

  constructor(
    readonly signal: AbortSignal,
    totalMs: number,
    private readonly stepCapMs: number,
    now: number = Date.now(),
  ) {
    this.deadline = now + totalMs;
  }

  remainingMs(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  stepMs(): number {
    return Math.min(this.stepCapMs, this.remainingMs());
  }

  /** Throws the `interrupted` failure when the measurement was cancelled. */
  throwIfInterrupted(): void {
    if (this.signal.aborted) throw interruptedError();
  }
}

export function timeoutError(): Error {
  return failureError('ETIMEDOUT', 'step timed out');
}

export function interruptedError(): Error {
  return failureError('interrupted', 'measurement interrupted');
}

interface Destroyable {
  destroy(error?: Error): unknown;
}

/**
 * Destroys the stream with a timeout error after `ms`, or with `interrupted` when the signal fires:
 * whoever awaits the stream then sees an ordinary error and maps it like any other. Returns disarm().
 */
export function bound(stream: Destroyable, ms: number, signal: AbortSignal): () => void {
  const onAbort = () => stream.destroy(interruptedError());
  if (signal.aborted) {
    queueMicrotask(onAbort);
    return () => {};
  }
  const timer = setTimeout(() => stream.destroy(timeoutError()), ms);
  signal.addEventListener('abort', onAbort, { once: true });
  return () => {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  };
}

/** Races a promise that cannot be cancelled (a DNS query) against the step's time and the signal. */
export function race<T>(work: Promise<T>, ms: number, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(interruptedError());
    const onAbort = () => finish(() => reject(interruptedError()));
    const timer = setTimeout(() => finish(() => reject(timeoutError())), ms);
    signal.addEventListener('abort', onAbort, { once: true });
    let done = false;
    function finish(settle: () => void) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      settle();
    }
    work.then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(error)),
    );
  });
}
