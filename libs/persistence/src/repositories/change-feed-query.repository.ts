import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  TRANSACTION_COLUMNS,
  TRANSACTION_FIELDS,
  type TransactionRow,
} from './transaction-query.repository.js';

/** One change of a consent's copy, in `transaction_change_seq` order. */
export type ChangeRow =
  | { kind: 'upsert'; seq: bigint; created: boolean; transaction: TransactionRow }
  | { kind: 'removed'; seq: bigint; transactionId: string };

type RawChange = TransactionRow & { seq: string; createdSeq: string | null; removedId: string | null };

/**
 * The change feed of one consent: transactions whose `updated_seq` is past the cursor (served by
 * `ix_transactions_changes (consent_id, updated_seq)`) merged with removals past it (served by
 * `ix_transaction_removals_consent (consent_id, seq)`), by seq. Both sides come in one statement,
 * so one snapshot: a page never shows half of a writer's commit. Writers number a consent's
 * changes under a per-consent advisory lock, so within a consent seq order is commit order and no
 * change can later appear below a seq already handed out.
 */
@Injectable()
export class ChangeFeedQueryRepository {
  constructor(private readonly ds: DataSource) {}

  async changesAfter(consentId: string, afterSeq: bigint, limit: number): Promise<ChangeRow[]> {
    const rows: RawChange[] = await this.ds.query(
      `SELECT * FROM (
         (SELECT t.updated_seq AS seq, t.created_seq::text AS "createdSeq", NULL::uuid AS "removedId", ${TRANSACTION_COLUMNS}
            FROM transactions t WHERE t.consent_id = $1 AND t.updated_seq > $2::bigint
           ORDER BY t.updated_seq LIMIT $3)
         UNION ALL
         (SELECT r.seq, NULL, r.transaction_id, ${TRANSACTION_FIELDS.map(() => 'NULL').join(', ')}
            FROM transaction_removals r WHERE r.consent_id = $1 AND r.seq > $2::bigint
           ORDER BY r.seq LIMIT $3)
       ) changes ORDER BY seq LIMIT $3`,
      [consentId, afterSeq.toString(), limit],
    );
    return rows.map((r): ChangeRow => {
      const seq = BigInt(r.seq);
      if (r.removedId) return { kind: 'removed', seq, transactionId: r.removedId };
      const { seq: _s, createdSeq, removedId: _r, ...transaction } = r;
      return { kind: 'upsert', seq, created: BigInt(createdSeq!) > afterSeq, transaction };
    });
  }
}
