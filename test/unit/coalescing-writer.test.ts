import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCoalescingWriter } from '../../lib/coalescing-writer';

describe('coalescing writer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('writes the first change at once and coalesces a flood into few writes', async () => {
    let stored = 0;
    let value = 0;
    const writer = createCoalescingWriter(async () => void (stored = value), { minIntervalMs: 250, now: () => Date.now() });
    value = 1;
    writer.schedule();
    expect(writer.writes).toBe(1);
    for (let i = 2; i <= 1000; i += 1) {
      value = i;
      writer.schedule();
      await vi.advanceTimersByTimeAsync(1);
    }
    await vi.advanceTimersByTimeAsync(300);
    await writer.flush();
    expect(stored).toBe(1000);
    // 1000 changes over ~1 s at one write per 250 ms at most.
    expect(writer.writes).toBeLessThanOrEqual(6);
  });

  it('flush writes a pending change now and resolves after it', async () => {
    const values: number[] = [];
    let value = 0;
    const writer = createCoalescingWriter(async () => void values.push(value), { minIntervalMs: 10_000 });
    value = 1;
    writer.schedule();
    await vi.advanceTimersByTimeAsync(0);
    value = 2;
    writer.schedule();
    await writer.flush();
    expect(values).toEqual([1, 2]);
  });

  it('keeps going after a failed write and reports it', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const writer = createCoalescingWriter(
      async () => {
        if (fail) throw new Error('quota');
      },
      { minIntervalMs: 0, onError: (e) => errors.push(e) },
    );
    writer.schedule();
    await writer.flush();
    fail = false;
    writer.schedule();
    await writer.flush();
    expect(errors).toHaveLength(1);
    expect(writer.writes).toBe(2);
  });
});
