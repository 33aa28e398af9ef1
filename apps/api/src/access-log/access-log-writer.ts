import { Injectable } from '@nestjs/common';
import { AccessLogRepository, type AccessLogWrite } from '#persistence/repositories/access-log.repository.js';

interface Pending {
  row: AccessLogWrite;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Writes access-log rows in batches: the rows of every read that finishes in the same event-loop
 * turn go in ONE insert (and one commit) instead of one each. Each request still waits for its
 * batch to commit before its response leaves, so "a read that is not logged did not happen"
 * holds; if the insert fails, every request of the batch fails with it.
 */
@Injectable()
export class AccessLogWriter {
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(private readonly repo: AccessLogRepository) {}

  write(row: AccessLogWrite): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ row, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    try {
      await this.repo.append(batch.map((p) => p.row));
      for (const p of batch) p.resolve();
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }
}
