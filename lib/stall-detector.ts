/**
 * A navigation that neither completes nor fails: SYNs dropped by a censor, or a server that accepts and
 * never answers. Chromium reports a connect timeout only after ~134 s and Firefox after 90 s; Detour
 * calls it stalled after `stallAfterMs` and starts looking, two orders of magnitude sooner.
 *
 * Nothing answering and answering slowly are told apart: once the answer has started (the navigation
 * committed: headers and the first bytes are in, so the connection works), the same timer reports it
 * as `receiving` (a throttled page crawling in at a few KB/s), never as a connect timeout. Only the
 * whole document arriving (webRequest.onCompleted; webNavigation's DOMContentLoaded or onCompleted
 * where webRequest cannot see it), an error or a newer navigation settles it.
 */
export interface Stall {
  tabId: number;
  url: string;
  startedAt: number;
  /** The answer had started (committed) when the time ran out: slow, not silent. */
  receiving?: boolean;
}

export class StallDetector {
  private readonly pending = new Map<number, { stall: Stall; timer: ReturnType<typeof setTimeout> }>();

  constructor(
    private readonly onStall: (stall: Stall) => void,
    private readonly afterMs: () => number,
  ) {}

  /** A top-level navigation started in a tab; a newer one in the same tab replaces it. */
  start(tabId: number, url: string, startedAt: number): void {
    this.settle(tabId);
    const stall: Stall = { tabId, url, startedAt };
    const timer = setTimeout(() => {
      this.pending.delete(tabId);
      this.onStall({ ...stall });
    }, this.afterMs());
    this.pending.set(tabId, { stall, timer });
  }

  /** The answer started (the navigation committed): if it is still not all in by then, it is slow. */
  receiving(tabId: number): void {
    const entry = this.pending.get(tabId);
    if (entry) entry.stall.receiving = true;
  }

  /** The document arrived, the navigation failed or was replaced: no stall. Returns it, with its start time. */
  settle(tabId: number): Stall | undefined {
    const entry = this.pending.get(tabId);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.pending.delete(tabId);
    return entry.stall;
  }
}
