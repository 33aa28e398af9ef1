import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** Associated data binding a merchant's encrypted bePaid secret key to its client (libs/crypto AAD). */
export const bepaidSecretAad = (clientId: string): string => `bepaid-secret-key:${clientId}`;

export interface MerchantWrite {
  clientId: string;
  shopId: string;
  secretKeyEnc: string;
  publicKey: string | null;
  currency: string;
}

export interface MerchantRow {
  clientId: string;
  shopId: string;
  secretKeyEnc: string;
  publicKey: string | null;
  currency: string;
  createdAt: Date;
  updatedAt: Date;
  customerCount: number;
}

export interface CustomerWrite {
  account: string;
  status: 'active' | 'blocked';
  /** Decimal strings at the merchant currency's scale, or null for no limit. */
  minAmount: string | null;
  maxAmount: string | null;
}

export interface CustomerRow extends CustomerWrite {
  updatedAt: Date;
}

/** Everything a verification needs, read in one round trip. */
export interface VerificationContext {
  shopId: string;
  secretKeyEnc: string;
  publicKey: string | null;
  currency: string;
  hasDirectory: boolean;
  customer: { status: 'active' | 'blocked'; minAmount: string | null; maxAmount: string | null } | null;
}

export interface PaymentInsert {
  clientId: string;
  bepaidId: string;
  bepaidIdIsNumber: boolean;
  account: string;
  amount: string;
  amountMinor: bigint;
  currency: string;
  methodType: string | null;
  result: number;
  description: string;
  status: 'verified' | 'refused';
}

export type PaymentStatus =
  'verified' | 'refused' | 'pending' | 'successful' | 'failed' | 'expired' | 'error';

export interface PaymentRow {
  id: string;
  clientId: string;
  bepaidId: string;
  bepaidIdIsNumber: boolean;
  account: string;
  amount: string;
  amountMinor: bigint;
  currency: string;
  methodType: string | null;
  result: number;
  description: string;
  status: PaymentStatus;
  bepaidUid: string | null;
  paidAt: Date | null;
  paidDate: string | null;
  test: boolean | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NotificationInsert {
  clientId: string;
  uid: string;
  trackingId: string | null;
  orderId: string | null;
  status: string;
  amountMinor: bigint;
  currency: string;
  paidAt: Date | null;
  rawBody: Buffer;
  signatureVerified: boolean;
  test: boolean;
}

export interface NotificationRow {
  id: string;
  uid: string;
  paymentId: string | null;
  status: string;
  amountMinor: bigint;
  currency: string;
  paidAt: Date | null;
  test: boolean;
  applied: boolean | null;
  receivedAt: Date;
}

export interface PaymentListFilter {
  clientId: string;
  fromDate?: string;
  toDate?: string;
  status?: string;
  before?: { createdAtKey: string; id: string };
  limit: number;
}

/** A credit that may pay a payment: same client, an Alif Mobi account, same amount and currency. */
export interface CandidateRow {
  paymentId: string;
  transactionId: string;
  /** How many successful payments this credit could pay (itself included). */
  competitors: number;
}

export interface CreditRow {
  id: string;
  bookingDate: string;
  amount: string;
  currency: string;
}

const PAYMENT_COLUMNS = `p.id, p.client_id, p.bepaid_id, p.bepaid_id_is_number, p.account, p.amount::text AS amount,
  p.amount_minor::text AS amount_minor, p.currency, p.method_type, p.result, p.description, p.status, p.bepaid_uid,
  p.paid_at, p.paid_date::text AS paid_date, p.test, p.created_at, p.updated_at,
  to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at_key`;

const toPayment = (r: Record<string, unknown>): PaymentRow & { createdAtKey: string } => ({
  id: r.id as string,
  clientId: r.client_id as string,
  bepaidId: r.bepaid_id as string,
  bepaidIdIsNumber: r.bepaid_id_is_number as boolean,
  account: r.account as string,
  amount: r.amount as string,
  amountMinor: BigInt(r.amount_minor as string),
  currency: r.currency as string,
  methodType: (r.method_type as string | null) ?? null,
  result: Number(r.result),
  description: r.description as string,
  status: r.status as PaymentStatus,
  bepaidUid: (r.bepaid_uid as string | null) ?? null,
  paidAt: (r.paid_at as Date | null) ?? null,
  paidDate: (r.paid_date as string | null) ?? null,
  test: (r.test as boolean | null) ?? null,
  createdAt: r.created_at as Date,
  updatedAt: r.updated_at as Date,
  createdAtKey: r.created_at_key as string,
});

/** How the successful payments and the merchant's Alif Mobi credits meet (docs/providers/bepaid.md "Reconciliation"). */
export const MATCH_WINDOW = { daysBefore: 1, daysAfter: 3 } as const;

/**
 * All SQL of the bePaid merchant side: the shop's settings, the customer directory, payments and
 * the notification inbox, and the reads of reconciliation. Writes that change a payment take an
 * `EntityManager` (the caller's transaction: the payment writer's).
 */
@Injectable()
export class BepaidRepository {
  constructor(private readonly ds: DataSource) {}

  private m(em?: EntityManager): EntityManager {
    return em ?? this.ds.manager;
  }

  async upsertMerchant(w: MerchantWrite): Promise<void> {
    await this.ds.query(
      `INSERT INTO bepaid_merchants (client_id, shop_id, secret_key_enc, public_key, currency)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (client_id) DO UPDATE SET shop_id = EXCLUDED.shop_id, secret_key_enc = EXCLUDED.secret_key_enc,
         public_key = EXCLUDED.public_key, currency = EXCLUDED.currency, updated_at = now()`,
      [w.clientId, w.shopId, w.secretKeyEnc, w.publicKey, w.currency],
    );
  }

  async merchant(clientId: string): Promise<MerchantRow | null> {
    const rows: Array<Record<string, unknown>> = await this.ds.query(
      `SELECT m.client_id, m.shop_id, m.secret_key_enc, m.public_key, m.currency, m.created_at, m.updated_at,
              (SELECT count(*)::int FROM bepaid_customers c WHERE c.client_id = m.client_id) AS customer_count
         FROM bepaid_merchants m JOIN clients cl ON cl.id = m.client_id AND cl.deleted_at IS NULL
        WHERE m.client_id = $1`,
      [clientId],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      clientId: r.client_id as string,
      shopId: r.shop_id as string,
      secretKeyEnc: r.secret_key_enc as string,
      publicKey: (r.public_key as string | null) ?? null,
      currency: r.currency as string,
      createdAt: r.created_at as Date,
      updatedAt: r.updated_at as Date,
      customerCount: Number(r.customer_count),
    };
  }

  /** Inserts or replaces one customer; true when it is new. */
  async upsertCustomer(clientId: string, c: CustomerWrite): Promise<boolean> {
    const rows: Array<{ inserted: boolean }> = await this.ds.query(
      `INSERT INTO bepaid_customers (client_id, account, status, min_amount, max_amount)
       VALUES ($1, $2, $3, $4::numeric, $5::numeric)
       ON CONFLICT (client_id, account) DO UPDATE SET status = EXCLUDED.status, min_amount = EXCLUDED.min_amount,
         max_amount = EXCLUDED.max_amount, updated_at = now()
       RETURNING (xmax = 0) AS inserted`,
      [clientId, c.account, c.status, c.minAmount, c.maxAmount],
    );
    return rows[0]!.inserted;
  }

  /** Inserts or replaces many customers in one transaction (all or nothing); counts new and updated. */
  async importCustomers(
    clientId: string,
    customers: readonly CustomerWrite[],
  ): Promise<{ created: number; updated: number }> {
    return this.ds.transaction(async (em) => {
      let created = 0;
      let updated = 0;
      for (let i = 0; i < customers.length; i += 1000) {
        const chunk = customers.slice(i, i + 1000);
        const rows: Array<{ inserted: boolean }> = await em.query(
          `INSERT INTO bepaid_customers (client_id, account, status, min_amount, max_amount)
           SELECT $1, a, s, mn::numeric, mx::numeric
             FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS t(a, s, mn, mx)
           ON CONFLICT (client_id, account) DO UPDATE SET status = EXCLUDED.status, min_amount = EXCLUDED.min_amount,
             max_amount = EXCLUDED.max_amount, updated_at = now()
           RETURNING (xmax = 0) AS inserted`,
          [
            clientId,
            chunk.map((c) => c.account),
            chunk.map((c) => c.status),
            chunk.map((c) => c.minAmount),
            chunk.map((c) => c.maxAmount),
          ],
        );
        for (const r of rows)
          if (r.inserted) created++;
          else updated++;
      }
      return { created, updated };
    });
  }

  async customer(clientId: string, account: string): Promise<CustomerRow | null> {
    const rows: Array<Record<string, unknown>> = await this.ds.query(
      `SELECT account, status, min_amount::text AS min_amount, max_amount::text AS max_amount, updated_at
         FROM bepaid_customers WHERE client_id = $1 AND account = $2`,
      [clientId, account],
    );
    const r = rows[0];
    return r
      ? {
          account: r.account as string,
          status: r.status as 'active' | 'blocked',
          minAmount: (r.min_amount as string | null) ?? null,
          maxAmount: (r.max_amount as string | null) ?? null,
          updatedAt: r.updated_at as Date,
        }
      : null;
  }

  /** The shop, whether it has a directory, and the account's entry, in one query (null: no shop). */
  async verificationContext(clientId: string, account: string | null): Promise<VerificationContext | null> {
    const rows: Array<Record<string, unknown>> = await this.ds.query(
      `SELECT m.shop_id, m.secret_key_enc, m.public_key, m.currency,
              EXISTS (SELECT 1 FROM bepaid_customers d WHERE d.client_id = m.client_id) AS has_directory,
              c.status, c.min_amount::text AS min_amount, c.max_amount::text AS max_amount
         FROM bepaid_merchants m
         JOIN clients cl ON cl.id = m.client_id AND cl.deleted_at IS NULL
         LEFT JOIN bepaid_customers c ON c.client_id = m.client_id AND c.account = $2
        WHERE m.client_id = $1`,
      [clientId, account],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      shopId: r.shop_id as string,
      secretKeyEnc: r.secret_key_enc as string,
      publicKey: (r.public_key as string | null) ?? null,
      currency: r.currency as string,
      hasDirectory: r.has_directory as boolean,
      customer: r.status
        ? {
            status: r.status as 'active' | 'blocked',
            minAmount: (r.min_amount as string | null) ?? null,
            maxAmount: (r.max_amount as string | null) ?? null,
          }
        : null,
    };
  }

  /** Serialises the writers of one bePaid request id (verification, and notifications naming it). */
  async lockRequest(em: EntityManager, clientId: string, bepaidId: string): Promise<void> {
    await em.query(`SELECT pg_advisory_xact_lock(hashtextextended($1::text || ':' || $2::text, 7))`, [
      clientId,
      bepaidId,
    ]);
  }

  /**
   * Records the first answer to a request id, or reads back the one recorded first (concurrent
   * duplicates included), in one round trip (`bepaid_record_verification`); `waiting`: notifications
   * stored before the payment existed name this id and must be applied.
   */
  async recordVerification(
    p: PaymentInsert,
  ): Promise<{ payment: PaymentRow; first: boolean; waiting: boolean }> {
    const rows: Array<Record<string, unknown>> = await this.ds.query(
      `SELECT ${PAYMENT_COLUMNS}, r.first, r.waiting
         FROM bepaid_record_verification($1, $2, $3, $4, $5::numeric, $6::bigint, $7, $8, $9, $10, $11) AS r
         CROSS JOIN LATERAL (SELECT (r.payment).*) AS p`,
      [
        p.clientId,
        p.bepaidId,
        p.bepaidIdIsNumber,
        p.account,
        p.amount,
        p.amountMinor.toString(),
        p.currency,
        p.methodType,
        p.result,
        p.description,
        p.status,
      ],
    );
    const r = rows[0]!;
    return { payment: toPayment(r), first: r.first === true, waiting: r.waiting === true };
  }

  async paymentByRequest(clientId: string, bepaidId: string, em?: EntityManager): Promise<PaymentRow | null> {
    const rows: Array<Record<string, unknown>> = await this.m(em).query(
      `SELECT ${PAYMENT_COLUMNS} FROM bepaid_payments p WHERE p.client_id = $1 AND p.bepaid_id = $2`,
      [clientId, bepaidId],
    );
    return rows[0] ? toPayment(rows[0]) : null;
  }

  /** The payment locked for update, by tracking id (Hisob's payment id) or by bePaid's request id. */
  async lockPayment(
    em: EntityManager,
    clientId: string,
    by: { trackingId: string } | { bepaidId: string },
  ): Promise<PaymentRow | null> {
    const rows: Array<Record<string, unknown>> =
      'trackingId' in by
        ? await em.query(
            `SELECT ${PAYMENT_COLUMNS} FROM bepaid_payments p
              WHERE p.client_id = $1 AND p.id = $2::uuid FOR UPDATE`,
            [clientId, by.trackingId],
          )
        : await em.query(
            `SELECT ${PAYMENT_COLUMNS} FROM bepaid_payments p
              WHERE p.client_id = $1 AND p.bepaid_id = $2 FOR UPDATE`,
            [clientId, by.bepaidId],
          );
    return rows[0] ? toPayment(rows[0]) : null;
  }

  async updatePaymentStatus(
    em: EntityManager,
    id: string,
    s: { status: PaymentStatus; bepaidUid: string; paidAt: Date | null; test: boolean },
  ): Promise<PaymentRow> {
    // An UPDATE … RETURNING answers [rows, affected] through TypeORM's postgres driver.
    const [rows] = (await em.query(
      `UPDATE bepaid_payments p SET status = $2, bepaid_uid = coalesce(p.bepaid_uid, $3), test = $5,
              paid_at = CASE WHEN $2 = 'successful' THEN $4::timestamptz ELSE p.paid_at END,
              paid_date = CASE WHEN $2 = 'successful' THEN ($4::timestamptz AT TIME ZONE 'UTC')::date ELSE p.paid_date END,
              updated_at = now()
        WHERE p.id = $1
        RETURNING ${PAYMENT_COLUMNS}`,
      [id, s.status, s.bepaidUid, s.paidAt, s.test],
    )) as [Array<Record<string, unknown>>, number];
    return toPayment(rows[0]!);
  }

  /** Stores a notification once per uid; null when that uid was already stored. */
  async insertNotification(em: EntityManager, n: NotificationInsert): Promise<string | null> {
    const rows: Array<{ id: string }> = await em.query(
      `INSERT INTO bepaid_notifications (client_id, uid, tracking_id, order_id, status, amount_minor, currency,
         paid_at, raw_body, signature_verified, test)
       VALUES ($1, $2, $3, $4, $5, $6::bigint, $7, $8, $9, $10, $11)
       ON CONFLICT (client_id, uid) DO NOTHING
       RETURNING id::text AS id`,
      [
        n.clientId,
        n.uid,
        n.trackingId,
        n.orderId,
        n.status,
        n.amountMinor.toString(),
        n.currency,
        n.paidAt,
        n.rawBody,
        n.signatureVerified,
        n.test,
      ],
    );
    return rows[0]?.id ?? null;
  }

  async linkNotification(em: EntityManager, id: string, paymentId: string, applied: boolean): Promise<void> {
    await em.query(
      `UPDATE bepaid_notifications SET payment_id = $2, applied = $3, linked_at = now() WHERE id = $1::uuid`,
      [id, paymentId, applied],
    );
  }

  /** Notifications stored before their payment existed, naming this request id, oldest first, locked. */
  async waitingNotifications(
    em: EntityManager,
    clientId: string,
    bepaidId: string,
  ): Promise<NotificationRow[]> {
    const rows: Array<Record<string, unknown>> = await em.query(
      `SELECT id::text AS id, uid, payment_id, status, amount_minor::text AS amount_minor, currency, paid_at,
              applied, received_at, test
         FROM bepaid_notifications
        WHERE client_id = $1 AND payment_id IS NULL AND order_id = $2
        ORDER BY seq FOR UPDATE`,
      [clientId, bepaidId],
    );
    return rows.map(toNotification);
  }

  /** Every notification of these payments, oldest first (the status history). */
  async notificationsOf(paymentIds: readonly string[]): Promise<NotificationRow[]> {
    if (!paymentIds.length) return [];
    const rows: Array<Record<string, unknown>> = await this.ds.query(
      `SELECT id::text AS id, uid, payment_id, status, amount_minor::text AS amount_minor, currency, paid_at,
              applied, received_at, test
         FROM bepaid_notifications WHERE payment_id = ANY($1::uuid[]) ORDER BY payment_id, seq`,
      [paymentIds],
    );
    return rows.map(toNotification);
  }

  /** A page of payments, newest first; dates filter on the creation day (UTC). */
  async listPayments(f: PaymentListFilter): Promise<Array<PaymentRow & { createdAtKey: string }>> {
    const rows: Array<Record<string, unknown>> = await this.ds.query(
      `SELECT ${PAYMENT_COLUMNS} FROM bepaid_payments p
        WHERE p.client_id = $1
          AND ($2::date IS NULL OR p.created_at >= ($2::date)::timestamp AT TIME ZONE 'UTC')
          AND ($3::date IS NULL OR p.created_at < ($3::date + 1)::timestamp AT TIME ZONE 'UTC')
          AND ($4::text IS NULL OR p.status = $4)
          AND ($5::timestamptz IS NULL OR (p.created_at, p.id) < ($5::timestamptz, $6::uuid))
        ORDER BY p.created_at DESC, p.id DESC
        LIMIT $7`,
      [
        f.clientId,
        f.fromDate ?? null,
        f.toDate ?? null,
        f.status ?? null,
        f.before?.createdAtKey ?? null,
        f.before?.id ?? null,
        f.limit,
      ],
    );
    return rows.map(toPayment);
  }

  /**
   * Candidate credits of successful payments: booked credits of the same client's Alif Mobi
   * accounts, same amount and currency, booked within the window around the paid date; with the
   * number of successful payments each credit could pay.
   */
  async candidates(clientId: string, paymentIds: readonly string[]): Promise<CandidateRow[]> {
    if (!paymentIds.length) return [];
    const rows: Array<{ payment_id: string; transaction_id: string; competitors: number }> =
      await this.ds.query(
        `SELECT p.id AS payment_id, t.id AS transaction_id,
              (SELECT count(*)::int FROM bepaid_payments q
                WHERE q.client_id = $1 AND q.status = 'successful' AND q.currency = t.currency AND q.amount = t.amount
                  AND q.paid_date BETWEEN t.booking_date - ${MATCH_WINDOW.daysAfter} AND t.booking_date + ${MATCH_WINDOW.daysBefore}
              ) AS competitors
         FROM bepaid_payments p
         JOIN accounts a ON a.client_id = p.client_id AND a.provider = 'alif-mobi' AND a.currency = p.currency
         JOIN transactions t ON t.account_id = a.id AND t.status = 'booked'
                            AND t.booking_date BETWEEN p.paid_date - ${MATCH_WINDOW.daysBefore} AND p.paid_date + ${MATCH_WINDOW.daysAfter}
                            AND t.amount = p.amount AND t.currency = p.currency
        WHERE p.client_id = $1 AND p.id = ANY($2::uuid[]) AND p.status = 'successful'
        ORDER BY p.id, t.booking_date, t.id`,
        [clientId, paymentIds],
      );
    return rows.map((r) => ({
      paymentId: r.payment_id,
      transactionId: r.transaction_id,
      competitors: Number(r.competitors),
    }));
  }

  /** Successful payments paid between two dates (inclusive). */
  async paidBetween(clientId: string, from: string, to: string): Promise<PaymentRow[]> {
    const rows: Array<Record<string, unknown>> = await this.ds.query(
      `SELECT ${PAYMENT_COLUMNS} FROM bepaid_payments p
        WHERE p.client_id = $1 AND p.status = 'successful' AND p.paid_date BETWEEN $2::date AND $3::date
        ORDER BY p.paid_date, p.id`,
      [clientId, from, to],
    );
    return rows.map(toPayment);
  }

  /** Booked credits of the client's Alif Mobi accounts between two dates (inclusive). */
  async creditsBetween(clientId: string, from: string, to: string): Promise<CreditRow[]> {
    const rows: Array<Record<string, unknown>> = await this.ds.query(
      `SELECT t.id, t.booking_date::text AS booking_date, t.amount::text AS amount, t.currency
         FROM accounts a
         JOIN transactions t ON t.account_id = a.id AND t.status = 'booked' AND t.amount > 0
                            AND t.booking_date BETWEEN $2::date AND $3::date
        WHERE a.client_id = $1 AND a.provider = 'alif-mobi'
        ORDER BY t.booking_date, t.id`,
      [clientId, from, to],
    );
    return rows.map((r) => ({
      id: r.id as string,
      bookingDate: r.booking_date as string,
      amount: r.amount as string,
      currency: (r.currency as string).trim(),
    }));
  }
}

/** Tables of a client's merchant data, children first. */
export const BEPAID_TABLES: readonly string[] = [
  'bepaid_notifications',
  'bepaid_payments',
  'bepaid_customers',
  'bepaid_merchants',
];

function toNotification(r: Record<string, unknown>): NotificationRow {
  return {
    id: r.id as string,
    uid: r.uid as string,
    paymentId: (r.payment_id as string | null) ?? null,
    status: r.status as string,
    amountMinor: BigInt(r.amount_minor as string),
    currency: r.currency as string,
    paidAt: (r.paid_at as Date | null) ?? null,
    test: r.test === true,
    applied: (r.applied as boolean | null) ?? null,
    receivedAt: r.received_at as Date,
  };
}
