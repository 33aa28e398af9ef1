import { Injectable } from '@nestjs/common';
import { AccessLogRepository, type AccessLogWrite } from '#persistence/repositories/access-log.repository.js';

interface Pending {
  row: AccessLogWrite;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Rows per insert at most (a burst beyond it is written by the following inserts). */
const MAX_BATCH = 500;

/**
 * Writes access-log rows with group commit: one insert (and commit) is in flight at a time, and
 * every read that finishes meanwhile joins the next one. Under load the batches grow by themselves
 * (the reads of a page finish one socket event at a time, so batching by event-loop turn alone
 * wrote one row per insert); an idle API writes a row at once. Each request still waits for its
 * batch to commit before its response leaves, so "a read that is not logged did not happen"
 * holds; if an insert fails, every request of that batch fails with it.
 */
@Injectable()
export class AccessLogWriter {
  private pending: Pending[] = [];
  private busy = false;

  constructor(private readonly repo: AccessLogRepository) {}

  write(row: AccessLogWrite): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ row, resolve, reject });
      if (!this.busy) {
        this.busy = true;
        // The reads that finish in this event-loop turn go in the first insert too.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending.splice(0, MAX_BATCH);
      try {
        await this.repo.append(batch.map((p) => p.row));
        for (const p of batch) p.resolve();
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
    this.busy = false;
  }
}
