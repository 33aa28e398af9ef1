import pg from 'pg';

/**
 * Test data for the read side, written straight to PostgreSQL the way the sync engine writes it:
 * the same tables, `transaction_change_seq` numbering under the consent's advisory lock, removals
 * recorded in `transaction_removals`. Deterministic: the same seed gives the same rows, amounts
 * are exact decimal strings built from integer minor units (never a float).
 */

export interface TestClient {
  id: string;
  apiKey: string;
}

export interface TestConsent {
  id: string;
  clientId: string;
  endUserId: string;
  provider: string;
  status: string;
}

export interface TestAccount {
  id: string;
  clientId: string;
  consentId: string;
  currency: string;
}

export interface TestTransaction {
  id: string;
  accountId: string;
  providerTransactionId: string;
  status: 'booked' | 'pending';
  date: string;
  amount: string;
  type: string;
  description: string;
}

export interface TransactionSpec {
  providerTransactionId?: string;
  status?: 'booked' | 'pending';
  date: string;
  valueDate?: string | null;
  amount: string;
  type?: string;
  description?: string;
  counterpartyName?: string | null;
  counterpartyAccount?: string | null;
  balanceAfter?: string | null;
  category?: string | null;
  providerCardId?: string | null;
}

export interface MakeTransactionsOptions {
  seed?: number;
  /** Booking dates spread evenly from `from` to `to` (inclusive), oldest first. */
  from?: string;
  to?: string;
  /** Every n-th transaction is pending (0: none). */
  pendingEvery?: number;
  /** Types to draw from (deterministically). */
  types?: readonly string[];
  providerCardId?: string | null;
  /** Prefix of the provider ids (two calls on one account need different prefixes). */
  idPrefix?: string;
}

const TYPES = [
  'transfer',
  'card',
  'utility',
  'service',
  'cashback',
  'fee',
  'topup',
  'purchase',
  'exchange',
  'other',
] as const;

/** mulberry32: a tiny deterministic PRNG over 32-bit integers. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Minor units (an integer) as a decimal string at scale 2: -12050n → "-120.50". */
export function minorToDecimal(minor: bigint): string {
  const abs = minor < 0n ? -minor : minor;
  return `${minor < 0n ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** Exact decimal-string arithmetic at scale 2 for test oracles (bigint, never a float). */
export function decimalToMinor(s: string): bigint {
  const m = /^(-?)(\d+)\.(\d{2})$/.exec(s);
  if (!m) throw new Error(`not a scale-2 decimal: ${s}`);
  const v = BigInt(m[2]!) * 100n + BigInt(m[3]!);
  return m[1] ? -v : v;
}

const DAY_MS = 86_400_000;
const dayNumber = (d: string) => Date.parse(`${d}T00:00:00Z`) / DAY_MS;
const dayString = (n: number) => new Date(n * DAY_MS).toISOString().slice(0, 10);
export const addDays = (d: string, n: number): string => dayString(dayNumber(d) + n);

export class DataFactory {
  readonly pool: pg.Pool;
  private n = 0;

  constructor(private readonly opts: { databaseUrl: string; apiUrl?: string; adminToken?: string }) {
    this.pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 4 });
  }

  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query(sql, params)).rows as T[];
  }

  /** A client with a working API key, created through the admin API (keys are hashed there). */
  async makeClient(name = `data-client-${++this.n}`): Promise<TestClient> {
    if (!this.opts.apiUrl || !this.opts.adminToken) throw new Error('makeClient needs apiUrl and adminToken');
    const r = await fetch(`${this.opts.apiUrl}/admin/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.opts.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, redirect_uris: ['https://client.example/banks/done'] }),
    });
    if (r.status !== 201) throw new Error(`client create failed: ${r.status} ${await r.text()}`);
    const b = (await r.json()) as { id: string; api_key: string };
    return { id: b.id, apiKey: b.api_key };
  }

  /**
   * A client row written directly, with no usable API key: for tests of the database alone (no
   * API to call). Returns its id.
   */
  async insertClient(name = `db-client-${++this.n}`): Promise<string> {
    const [row] = await this.query<{ id: string }>(
      `INSERT INTO clients (name, api_key_id, api_key_hash, webhook_secret_enc)
       VALUES ($1, gen_random_uuid()::text, 'h', 'e') RETURNING id`,
      [name],
    );
    return row!.id;
  }

  async makeConsent(
    clientId: string,
    o: { status?: string; endUserId?: string; provider?: string; purged?: boolean } = {},
  ): Promise<TestConsent> {
    const endUserId = o.endUserId ?? `user-${++this.n}`;
    const provider = o.provider ?? 'alif-mobi';
    const status = o.status ?? 'active';
    const [row] = await this.query<{ id: string }>(
      `INSERT INTO consents (client_id, provider, end_user_id, status, permissions, authorised_at, purged_at)
       VALUES ($1, $2, $3, $4, ARRAY['accounts','balances','transactions','statements','cards','transfers'], now(), $5)
       RETURNING id`,
      [clientId, provider, endUserId, status, o.purged ? new Date() : null],
    );
    return { id: row!.id, clientId, endUserId, provider, status };
  }

  async setConsentStatus(consentId: string, status: string): Promise<void> {
    await this.query(`UPDATE consents SET status = $2, updated_at = now() WHERE id = $1`, [
      consentId,
      status,
    ]);
  }

  /**
   * An account; with `booked`, also its booked balance (the statement's anchor). `dataAsOf: null`
   * makes an account that was never read completely.
   */
  async makeAccount(
    consent: TestConsent,
    o: {
      type?: string;
      name?: string;
      currency?: string;
      iban?: string | null;
      numberMasked?: string | null;
      status?: string;
      dataAsOf?: Date | null;
      nextRefreshAt?: Date | null;
      booked?: string;
    } = {},
  ): Promise<TestAccount> {
    const currency = o.currency ?? 'TJS';
    const [row] = await this.query<{ id: string }>(
      `INSERT INTO accounts (client_id, consent_id, provider, provider_account_id, type, name, currency, iban, number_masked, status, data_as_of, next_refresh_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
      [
        consent.clientId,
        consent.id,
        consent.provider,
        `acc-${++this.n}`,
        o.type ?? 'current',
        o.name ?? `Account ${this.n}`,
        currency,
        o.iban === undefined ? null : o.iban,
        o.numberMasked === undefined ? '****1234' : o.numberMasked,
        o.status ?? 'active',
        o.dataAsOf === undefined ? new Date() : o.dataAsOf,
        o.nextRefreshAt === undefined ? null : o.nextRefreshAt,
      ],
    );
    const account = { id: row!.id, clientId: consent.clientId, consentId: consent.id, currency };
    if (o.booked !== undefined) await this.setBalance(account, 'booked', o.booked);
    return account;
  }

  async setBalance(
    account: TestAccount,
    type: string,
    amount: string,
    referenceDate: string | null = null,
  ): Promise<void> {
    await this.query(
      `INSERT INTO balances (account_id, type, amount, currency, reference_date) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (account_id, type) DO UPDATE SET amount = EXCLUDED.amount, reference_date = EXCLUDED.reference_date, updated_at = now()`,
      [account.id, type, amount, account.currency, referenceDate],
    );
  }

  /** Inserts the given transactions in one statement, numbered under the consent's lock. */
  async insertTransactions(
    account: TestAccount,
    specs: readonly TransactionSpec[],
  ): Promise<TestTransaction[]> {
    const out: TestTransaction[] = [];
    for (let i = 0; i < specs.length; i += 5000) {
      const batch = specs
        .slice(i, i + 5000)
        .map((s) => ({ ...s, providerTransactionId: s.providerTransactionId ?? `ptx-${++this.n}` }));
      const col = <K extends keyof TransactionSpec>(k: K, dflt: unknown = null) =>
        batch.map((s) => (s[k] === undefined ? dflt : s[k]));
      const rows = await this.withConsentLock(account.consentId, (c) =>
        c.query(
          `INSERT INTO transactions (account_id, consent_id, client_id, provider_transaction_id, status, booking_date, value_date, amount,
             currency, type, description, counterparty_name, counterparty_account, balance_after, category, provider_card_id, created_seq, updated_seq)
           SELECT $1, $2, $3, p, st, d, vd, a, $4, ty, de, cn, ca, ba, cat, card, s, s
             FROM (SELECT u.*, nextval('transaction_change_seq') AS s
                     FROM unnest($5::text[], $6::text[], $7::date[], $8::date[], $9::numeric[], $10::text[], $11::text[], $12::text[], $13::text[],
                                 $14::numeric[], $15::text[], $16::text[]) WITH ORDINALITY AS u(p, st, d, vd, a, ty, de, cn, ca, ba, cat, card, ord)
                    ORDER BY ord) AS page
           RETURNING id, provider_transaction_id AS "providerTransactionId", status, booking_date::text AS date, amount::text AS amount, type, description`,
          [
            account.id,
            account.consentId,
            account.clientId,
            account.currency,
            col('providerTransactionId'),
            col('status', 'booked'),
            col('date'),
            col('valueDate'),
            col('amount'),
            col('type', 'transfer'),
            col('description', ''),
            col('counterpartyName'),
            col('counterpartyAccount'),
            col('balanceAfter'),
            col('category'),
            col('providerCardId'),
          ],
        ),
      );
      for (const r of rows.rows as Array<Omit<TestTransaction, 'accountId'>>)
        out.push({ ...r, accountId: account.id });
    }
    return out;
  }

  /**
   * `n` transactions with deterministic amounts (±0.01…5000.00, about two debits per credit),
   * types and dates (spread evenly over [from, to], several per day when n is large).
   */
  async makeTransactions(
    account: TestAccount,
    n: number,
    o: MakeTransactionsOptions = {},
  ): Promise<TestTransaction[]> {
    return this.insertTransactions(account, transactionSpecs(n, o));
  }

  /** Changes a transaction as a re-sync would: new content, renumbered (the feed shows it as modified). */
  async updateTransaction(
    id: string,
    fields: { amount?: string; description?: string; status?: 'booked' | 'pending'; date?: string },
  ): Promise<void> {
    // By id alone: one primary-key probe per partition; then by (id, account_id): one partition.
    const [row] = await this.query<{ consent_id: string; account_id: string }>(
      `SELECT consent_id, account_id FROM transactions WHERE id = $1`,
      [id],
    );
    if (!row) return;
    await this.withConsentLock(row.consent_id, (c) =>
      c.query(
        `UPDATE transactions SET amount = coalesce($2::numeric, amount), description = coalesce($3, description),
                status = coalesce($4, status), booking_date = coalesce($5::date, booking_date),
                updated_seq = nextval('transaction_change_seq'), updated_at = now()
          WHERE id = $1 AND account_id = $6`,
        [
          id,
          fields.amount ?? null,
          fields.description ?? null,
          fields.status ?? null,
          fields.date ?? null,
          row.account_id,
        ],
      ),
    );
  }

  /** Removes a transaction as a re-sync would when the bank stops reporting it (no-op when already gone). */
  async removeTransaction(id: string): Promise<void> {
    const [row] = await this.query<{ consent_id: string; account_id: string }>(
      `SELECT consent_id, account_id FROM transactions WHERE id = $1`,
      [id],
    );
    if (!row) return;
    await this.withConsentLock(row.consent_id, async (c) => {
      const { rowCount } = await c.query(`DELETE FROM transactions WHERE id = $1 AND account_id = $2`, [
        id,
        row.account_id,
      ]);
      if (!rowCount) return;
      await c.query(
        `INSERT INTO transaction_removals (seq, consent_id, transaction_id) VALUES (nextval('transaction_change_seq'), $1, $2)`,
        [row.consent_id, id],
      );
    });
  }

  async makeCard(
    consent: TestConsent,
    account: TestAccount | null,
    o: {
      providerCardId?: string;
      scheme?: string;
      maskedPan?: string;
      nameOnCard?: string | null;
      expiry?: string | null;
      status?: string;
      kind?: string;
    } = {},
  ): Promise<{ id: string; providerCardId: string }> {
    const providerCardId = o.providerCardId ?? `card-${++this.n}`;
    const [row] = await this.query<{ id: string }>(
      `INSERT INTO cards (client_id, consent_id, account_id, provider_card_id, scheme, masked_pan, name_on_card, expiry, status, kind)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [
        consent.clientId,
        consent.id,
        account?.id ?? null,
        providerCardId,
        o.scheme ?? 'korti_milli',
        o.maskedPan ?? '444433******1111',
        o.nameOnCard === undefined ? 'DILNOZA K' : o.nameOnCard,
        o.expiry === undefined ? '2028-09-30' : o.expiry,
        o.status ?? 'active',
        o.kind ?? 'debit',
      ],
    );
    return { id: row!.id, providerCardId };
  }

  /** `n` transfers, one a day going back from `lastDay` (newest first), cycling through the statuses. */
  async makeTransfers(
    consent: TestConsent,
    account: TestAccount,
    n: number,
    o: { seed?: number; lastDay?: string; withFx?: boolean } = {},
  ): Promise<Array<{ id: string; createdAt: string; status: string }>> {
    const rnd = prng(o.seed ?? 7);
    const statuses = ['completed', 'pending', 'failed', 'returned'];
    const out: Array<{ id: string; createdAt: string; status: string }> = [];
    for (let i = 0; i < n; i++) {
      const createdAt = `${addDays(o.lastDay ?? '2026-03-31', -i)}T10:${String(i % 60).padStart(2, '0')}:00.123456Z`;
      const status = statuses[i % statuses.length]!;
      const fx = o.withFx && i % 2 === 0;
      const [row] = await this.query<{ id: string }>(
        `INSERT INTO transfers (client_id, consent_id, account_id, provider_transfer_id, amount, currency, destination_amount,
           destination_currency, fx_rate, fee, destination_country, counterparty_name, rail, status, created_at, completed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
        [
          consent.clientId,
          consent.id,
          account.id,
          `tr-${++this.n}`,
          minorToDecimal(BigInt((rnd() % 500_000) + 100)),
          account.currency,
          fx ? '907.50' : null,
          fx ? 'RUB' : null,
          fx ? '9.0750000000' : null,
          i % 3 === 0 ? '1.50' : null,
          fx ? 'RU' : 'TJ',
          `Beneficiary ${i}`,
          fx ? 'visa_direct' : 'domestic',
          status,
          createdAt,
          status === 'completed' ? createdAt : null,
        ],
      );
      out.push({ id: row!.id, createdAt, status });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Runs `fn` in a transaction holding the consent's advisory lock, as the sync engine's writers do. */
  private async withConsentLock<T>(consentId: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(`SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))`, [consentId]);
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }
}

/** The specs {@link DataFactory.makeTransactions} inserts (exported for oracles in tests). */
export function transactionSpecs(n: number, o: MakeTransactionsOptions = {}): TransactionSpec[] {
  const rnd = prng(o.seed ?? 1);
  const from = dayNumber(o.from ?? '2025-01-01');
  const to = dayNumber(o.to ?? '2025-12-31');
  const types = o.types ?? TYPES;
  const prefix = o.idPrefix ?? `s${o.seed ?? 1}`;
  const specs: TransactionSpec[] = [];
  for (let i = 0; i < n; i++) {
    const day = n === 1 ? from : from + Math.floor((i * (to - from)) / (n - 1));
    const magnitude = BigInt((rnd() % 500_000) + 1);
    const credit = rnd() % 3 === 0;
    specs.push({
      providerTransactionId: `${prefix}-${i}`,
      status: o.pendingEvery && (i + 1) % o.pendingEvery === 0 ? 'pending' : 'booked',
      date: dayString(day),
      valueDate: dayString(day),
      amount: minorToDecimal(credit ? magnitude : -magnitude),
      type: types[rnd() % types.length]!,
      description: `Payment ${i}`,
      counterpartyName: i % 4 === 0 ? null : `Counterparty ${i % 7}`,
      counterpartyAccount: i % 5 === 0 ? `TJ00${String(i).padStart(6, '0')}` : null,
      balanceAfter: null,
      category: i % 6 === 0 ? 'mobile' : null,
      providerCardId: o.providerCardId ?? null,
    });
  }
  return specs;
}
