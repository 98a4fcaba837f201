/**
 * Writes a value to storage without letting a flood of changes become a flood of writes. The first
 * change after a quiet spell is written at once (a service worker may be killed any moment after an
 * event, and the first failure is the one that matters); later changes are coalesced into at most one
 * write per `minIntervalMs`, and there is never more than one write in flight.
 */
export interface CoalescingWriter {
  /** Marks the value changed; a write will follow. */
  schedule(): void;
  /** Resolves when everything scheduled so far is written. */
  flush(): Promise<void>;
  /** Writes so far (for tests and benchmarks). */
  readonly writes: number;
}

export function createCoalescingWriter(
  write: () => Promise<void>,
  options: { minIntervalMs?: number; now?: () => number; onError?: (error: unknown) => void } = {},
): CoalescingWriter {
  const minIntervalMs = options.minIntervalMs ?? 250;
  const now = options.now ?? Date.now;
  let dirty = false;
  let inFlight: Promise<void> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastStart = -Infinity;
  let writes = 0;
  const waiters: Array<() => void> = [];

  const settleWaiters = () => {
    if (dirty || inFlight || timer) return;
    for (const resolve of waiters.splice(0)) resolve();
  };

  const run = () => {
    timer = undefined;
    if (!dirty || inFlight) return;
    dirty = false;
    lastStart = now();
    writes += 1;
    inFlight = write()
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        inFlight = undefined;
        if (dirty) arm();
        settleWaiters();
      });
  };

  const arm = () => {
    if (inFlight || timer) return;
    const wait = lastStart + minIntervalMs - now();
    if (wait <= 0) run();
    else timer = setTimeout(run, wait);
  };

  return {
    schedule() {
      dirty = true;
      arm();
    },
    flush() {
      if (!dirty && !inFlight && !timer) return Promise.resolve();
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
        if (!inFlight) run();
      }
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    get writes() {
      return writes;
    },
  };
}
