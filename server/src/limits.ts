/**
 * How many measurements run at once. Each one holds sockets, timers and up to a body's worth of
 * memory, so past `maxConcurrent` new ones wait in a bounded queue, and past that the service says
 * 503 at once: a burst cannot exhaust memory or file descriptors, and clients learn to retry.
 */

export class BusyError extends Error {
  override name = 'BusyError';
}

export class MeasurementGate {
  private running = 0;
  private readonly waiting: Array<{ grant: () => void }> = [];

  constructor(
    private readonly maxConcurrent: number,
    private readonly maxQueue: number,
  ) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /**
   * A slot for one measurement: resolves with its release function. Throws BusyError when the queue
   * is full; rejects with the signal's reason if the caller gives up while queued (client gone).
   */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.running < this.maxConcurrent) {
      this.running++;
      return this.releaser();
    }
    if (this.waiting.length >= this.maxQueue) throw new BusyError('all measurement slots and the queue are full');
    return new Promise((resolve, reject) => {
      const entry = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.running++;
          resolve(this.releaser());
        },
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(entry);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.waiting.shift()?.grant();
    };
  }
}
