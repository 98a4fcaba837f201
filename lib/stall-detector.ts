/**
 * A navigation that neither commits nor fails: SYNs dropped by a censor, or a server that accepts and
 * never answers. Chromium reports a connect timeout only after ~134 s and Firefox after 90 s; Detour
 * calls it stalled after `stallAfterMs` and starts looking, two orders of magnitude sooner.
 */
export interface Stall {
  tabId: number;
  url: string;
  startedAt: number;
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
    const stall = { tabId, url, startedAt };
    const timer = setTimeout(() => {
      this.pending.delete(tabId);
      this.onStall(stall);
    }, this.afterMs());
    this.pending.set(tabId, { stall, timer });
  }

  /** The navigation committed, failed or was replaced: no stall. Returns it, with its start time. */
  settle(tabId: number): Stall | undefined {
    const entry = this.pending.get(tabId);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.pending.delete(tabId);
    return entry.stall;
  }
}
