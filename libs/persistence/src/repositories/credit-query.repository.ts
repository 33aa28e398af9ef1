import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface CreditLineRow {
  accountId: string;
  limit: string | null;
  available: string | null;
  currency: string;
  updatedAt: Date;
}

export interface PlanRowOut {
  id: string;
  providerPlanId: string;
  origin: string;
  principal: string;
  markupPct: string | null;
  tenorMonths: number | null;
  currency: string;
  status: string;
  nextDueDate: string | null;
  nextAmount: string | null;
  store: string | null;
  deviceModel: string | null;
  createdAt: Date | null;
}

export interface InstalmentRowOut {
  id: string;
  planId: string;
  dueDate: string;
  amount: string;
  currency: string;
  status: string;
  paidAt: Date | null;
}

/** One step of the schedule's change feed: instalments written after `after`, then removals. */
export interface InstalmentChanges {
  changed: Array<InstalmentRowOut & { createdSeq: string; updatedSeq: string }>;
  removed: Array<{ instalmentId: string; seq: string }>;
}

/** The credit ledger of one consent, as the API serves it (the caller checked the consent's scope). */
@Injectable()
export class CreditQueryRepository {
  constructor(private readonly ds: DataSource) {}

  /** The consent's credit accounts with their limit and what is left of it. */
  creditLines(consentId: string): Promise<CreditLineRow[]> {
    return this.ds.query(
      `SELECT a.id AS "accountId", a.currency,
              (SELECT amount::text FROM balances b WHERE b.account_id = a.id AND b.type = 'credit_limit') AS "limit",
              (SELECT amount::text FROM balances b WHERE b.account_id = a.id AND b.type = 'available') AS available,
              coalesce((SELECT max(updated_at) FROM balances b WHERE b.account_id = a.id), a.updated_at) AS "updatedAt"
         FROM accounts a WHERE a.consent_id = $1 AND a.type = 'credit' ORDER BY a.id`,
      [consentId],
    );
  }

  plans(consentId: string, f: { origin?: string; status?: string }): Promise<PlanRowOut[]> {
    const where = ['consent_id = $1'];
    const params: unknown[] = [consentId];
    if (f.origin) where.push(`origin = $${params.push(f.origin)}`);
    if (f.status) where.push(`status = $${params.push(f.status)}`);
    return this.ds.query(
      `SELECT id, provider_plan_id AS "providerPlanId", origin, principal::text, markup_pct::text AS "markupPct",
              tenor_months AS "tenorMonths", currency, status, next_due_date::text AS "nextDueDate",
              next_amount::text AS "nextAmount", store, device_model AS "deviceModel", provider_created_at AS "createdAt"
         FROM instalment_plans WHERE ${where.join(' AND ')}
        ORDER BY provider_created_at DESC NULLS LAST, id`,
      params,
    );
  }

  /**
   * The schedule's changes after sequence number `after`, at most `count` of them in sequence
   * order (instalments written and removals merged; the caller cuts at the count).
   */
  async changes(consentId: string, after: bigint, count: number): Promise<InstalmentChanges> {
    const changed = await this.ds.query(
      `SELECT id, plan_id AS "planId", due_date::text AS "dueDate", amount::text, currency, status, paid_at AS "paidAt",
              created_seq::text AS "createdSeq", updated_seq::text AS "updatedSeq"
         FROM instalments WHERE consent_id = $1 AND updated_seq > $2 ORDER BY updated_seq LIMIT $3`,
      [consentId, after.toString(), count],
    );
    const removed = await this.ds.query(
      `SELECT instalment_id AS "instalmentId", seq::text AS seq
         FROM instalment_removals WHERE consent_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [consentId, after.toString(), count],
    );
    return { changed, removed };
  }

  schedule(consentId: string, f: { fromDate?: string; toDate?: string }): Promise<InstalmentRowOut[]> {
    const where = ['consent_id = $1'];
    const params: unknown[] = [consentId];
    if (f.fromDate) where.push(`due_date >= $${params.push(f.fromDate)}::date`);
    if (f.toDate) where.push(`due_date <= $${params.push(f.toDate)}::date`);
    return this.ds.query(
      `SELECT id, plan_id AS "planId", due_date::text AS "dueDate", amount::text, currency, status, paid_at AS "paidAt"
         FROM instalments WHERE ${where.join(' AND ')} ORDER BY due_date, plan_id`,
      params,
    );
  }
}
