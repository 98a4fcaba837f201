/**
 * Group commit: batches that arrive while a commit is running wait and go together in the next one,
 * so the durable flush (an fsync in SQLite, a WAL flush in PostgreSQL) is paid once per group rather
 * than once per batch. Under load that is what turns a few hundred commits a second into thousands of
 * reports a second; alone, a batch is committed at once. Each caller learns only after the commit
 * that holds its batch returned, so a 2xx still means durable.
 *
 * Holds nothing between commits: several instances on one PostgreSQL each group their own requests,
 * and the database's primary key on the batch id decides which copy of a retry counts.
 */
import type { ReadyStore } from '../db/ready-store';
import type { ReportBatch } from './report';
import { hourStart } from './validate-batch';

interface Pending {
  batch: ReportBatch;
  resolve: (stored: boolean) => void;
  reject: (error: unknown) => void;
}

/** Most batches in one commit (at most 100 reports each); the rest wait for the next. */
const MAX_GROUP = 200;

export class ReportWriter {
  private queue: Pending[] = [];
  private flushing = false;

  constructor(
    private readonly ready: ReadyStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves true once the batch is committed, false when it repeats a stored batch (a retry). */
  submit(batch: ReportBatch): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    // Let the requests already read in this turn of the event loop join the first group.
    await new Promise((r) => setImmediate(r));
    while (this.queue.length > 0) {
      const group = this.queue.splice(0, MAX_GROUP);
      // A retry that waits in the same group as its first copy: one is stored, the others are retries.
      const first = new Map<string, Pending>();
      const repeats: Pending[] = [];
      for (const p of group) {
        if (first.has(p.batch.batch_id)) repeats.push(p);
        else first.set(p.batch.batch_id, p);
      }
      const unique = [...first.values()];
      try {
        const store = await this.ready();
        const stored = await store.storeBatches(
          unique.map((p) => p.batch),
          new Date(hourStart(this.now())).toISOString(),
        );
        unique.forEach((p, i) => p.resolve(stored[i]!));
        for (const p of repeats) p.resolve(false);
      } catch (error) {
        for (const p of group) p.reject(error);
      }
    }
    this.flushing = false;
  }
}
