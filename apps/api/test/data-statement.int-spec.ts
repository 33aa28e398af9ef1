import type { DataSource } from 'typeorm';
import { TRANSACTION_PARTITIONS } from '#persistence/migrations/1797000000000-PartitionTransactions.js';
import { ChangeFeedQueryRepository } from '#persistence/repositories/change-feed-query.repository.js';
import { StatementQueryRepository } from '#persistence/repositories/statement-query.repository.js';
import { TransactionQueryRepository } from '#persistence/repositories/transaction-query.repository.js';
import {
  DataFactory,
  addDays,
  decimalToMinor,
  minorToDecimal,
  prng,
  type TestAccount,
  type TestClient,
  type TestConsent,
} from '#testing/factories.js';
import { ADMIN_TOKEN, bearer, json, startApi, type ApiHarness } from './harness.js';

/**
 * Statements: the math against an independent oracle (bigint over the stored rows), the CSV form
 * parsed back, and the query plans of the hot reads.
 */
let api: ApiHarness;
let f: DataFactory;
let client: TestClient;
let consent: TestConsent;
let account: TestAccount;

const BOOKED = '25000.00';

beforeAll(async () => {
  api = await startApi();
  f = new DataFactory({ databaseUrl: api.db.url, apiUrl: api.url, adminToken: ADMIN_TOKEN });
  client = await f.makeClient('statements');
  consent = await f.makeConsent(client.id, { endUserId: 'user-st' });
  account = await f.makeAccount(consent, { booked: BOOKED, dataAsOf: new Date('2026-03-01T00:00:00Z') });
  // Two years with a gap (2025-05) and pending rows, which a statement must not count.
  await f.makeTransactions(account, 900, {
    seed: 31,
    from: '2024-03-01',
    to: '2025-04-30',
    pendingEvery: 9,
    idPrefix: 'a',
  });
  await f.makeTransactions(account, 700, {
    seed: 32,
    from: '2025-06-01',
    to: '2026-02-28',
    pendingEvery: 9,
    idPrefix: 'b',
  });
});

afterAll(async () => {
  await f?.close();
  await api?.close();
});

const statement = async (a: TestAccount, from: string, to: string, headers: Record<string, string> = {}) => {
  const r = await fetch(`${api.url}/v1/accounts/${a.id}/statement?from_date=${from}&to_date=${to}`, {
    headers: { ...bearer(client.apiKey), ...headers },
  });
  if (r.status !== 200) throw new Error(`statement ${from}..${to}: ${r.status} ${await r.text()}`);
  return r;
};

/** The definition, computed independently: bigint over the stored booked rows. */
async function oracle(a: TestAccount, from: string, to: string, booked: string | null) {
  const rows = await f.query<{ d: string; amount: string }>(
    `SELECT booking_date::text AS d, amount::text AS amount FROM transactions WHERE account_id = $1 AND status = 'booked'`,
    [a.id],
  );
  let after = 0n;
  let credits = 0n;
  let debits = 0n;
  let count = 0;
  for (const r of rows) {
    const m = decimalToMinor(r.amount);
    if (r.d > to) after += m;
    if (r.d >= from && r.d <= to) {
      count++;
      if (m > 0n) credits += m;
      else debits -= m;
    }
  }
  const closing = booked === null ? null : decimalToMinor(booked) - after;
  const opening = closing === null ? null : closing - credits + debits;
  return {
    opening_balance: opening === null ? null : minorToDecimal(opening),
    closing_balance: closing === null ? null : minorToDecimal(closing),
    total_credits: minorToDecimal(credits),
    total_debits: minorToDecimal(debits),
    transaction_count: count,
  };
}

const identityHolds = (s: {
  opening_balance: string;
  closing_balance: string;
  total_credits: string;
  total_debits: string;
}) =>
  decimalToMinor(s.opening_balance) + decimalToMinor(s.total_credits) - decimalToMinor(s.total_debits) ===
  decimalToMinor(s.closing_balance);

describe('statement (JSON)', () => {
  it('computes a month: the shape, the definition, and opening + credits - debits = closing', async () => {
    const body = await json(await statement(account, '2026-01-01', '2026-01-31'));
    expect(body).toEqual({
      account_id: account.id,
      from_date: '2026-01-01',
      to_date: '2026-01-31',
      currency: 'TJS',
      ...(await oracle(account, '2026-01-01', '2026-01-31', BOOKED)),
      data_as_of: '2026-03-01T00:00:00.000Z',
    });
    expect(body.transaction_count).toBeGreaterThan(50);
    expect(body.total_debits).toMatch(/^\d+\.\d{2}$/); // positive
    expect(identityHolds(body)).toBe(true);
  });

  it('computes a year', async () => {
    const body = await json(await statement(account, '2025-01-01', '2025-12-31'));
    expect(body).toMatchObject(await oracle(account, '2025-01-01', '2025-12-31', BOOKED));
    expect(identityHolds(body)).toBe(true);
  });

  it('gives an empty period (a gap in the history) zero totals and opening = closing', async () => {
    const body = await json(await statement(account, '2025-05-03', '2025-05-28'));
    expect(body).toMatchObject({ total_credits: '0.00', total_debits: '0.00', transaction_count: 0 });
    expect(body.opening_balance).toBe(body.closing_balance);
    expect(body).toMatchObject(await oracle(account, '2025-05-03', '2025-05-28', BOOKED));
  });

  it('gives a period before the first transaction the balance before all of them', async () => {
    const body = await json(await statement(account, '2020-01-01', '2023-12-31'));
    const all = await oracle(account, '1900-01-01', '2100-12-31', BOOKED);
    expect(body).toMatchObject({ total_credits: '0.00', total_debits: '0.00', transaction_count: 0 });
    expect(body.opening_balance).toBe(all.opening_balance);
    expect(body.closing_balance).toBe(all.opening_balance);
  });

  it('gives a period after the last booking the booked balance as closing', async () => {
    const body = await json(await statement(account, '2026-03-01', '2026-12-31'));
    expect(body).toMatchObject({ opening_balance: BOOKED, closing_balance: BOOKED, transaction_count: 0 });
  });

  it('agrees with the oracle, to the cent, on random periods', async () => {
    const rnd = prng(2024);
    for (let i = 0; i < 40; i++) {
      const a = addDays('2024-01-01', rnd() % 820);
      const b = addDays(a, rnd() % 400);
      const body = await json(await statement(account, a, b));
      expect([a, b, body]).toEqual([a, b, expect.objectContaining(await oracle(account, a, b, BOOKED))]);
      expect(identityHolds(body)).toBe(true);
    }
  });

  it('keeps the rollup exact through re-syncs: upserts, status flips, date moves and removals', async () => {
    const c = await f.makeConsent(client.id);
    const a = await f.makeAccount(c, { booked: '100.00' });
    const rows = await f.makeTransactions(a, 120, {
      seed: 41,
      from: '2025-01-01',
      to: '2025-03-31',
      pendingEvery: 4,
    });
    const rnd = prng(41);
    for (let i = 0; i < 60; i++) {
      const t = rows[rnd() % rows.length]!;
      const op = rnd() % 4;
      if (op === 0)
        await f.updateTransaction(t.id, { amount: minorToDecimal(BigInt((rnd() % 20000) - 10000)) });
      else if (op === 1) await f.updateTransaction(t.id, { status: rnd() % 2 ? 'booked' : 'pending' });
      else if (op === 2) await f.updateTransaction(t.id, { date: addDays('2025-01-01', rnd() % 90) });
      else if ((await f.query(`SELECT 1 FROM transactions WHERE id = $1`, [t.id])).length)
        await f.removeTransaction(t.id);
    }
    // The sync engine's own upsert shape: INSERT … ON CONFLICT DO UPDATE over an unnest.
    await f.query(
      `INSERT INTO transactions (account_id, consent_id, client_id, provider_transaction_id, status, booking_date, amount, currency, type, description, created_seq, updated_seq)
       SELECT $1, $2, $3, p, 'booked', d, am, 'TJS', 'other', 'upsert', s, s
         FROM (SELECT u.*, nextval('transaction_change_seq') AS s FROM unnest($4::text[], $5::date[], $6::numeric[]) AS u(p, d, am)) x
       ON CONFLICT (account_id, provider_transaction_id) DO UPDATE SET amount = EXCLUDED.amount, status = EXCLUDED.status, booking_date = EXCLUDED.booking_date, updated_seq = EXCLUDED.updated_seq`,
      [
        a.id,
        c.id,
        client.id,
        ['s41-1', 's41-2', 'new-1', 'new-2'],
        ['2025-02-01', '2025-02-02', '2025-02-03', '2025-04-01'],
        ['1.11', '-2.22', '3.33', '-4.44'],
      ],
    );
    const drift = await f.query(
      `WITH r AS (SELECT booking_date, coalesce(sum(amount) FILTER (WHERE status = 'booked' AND amount > 0), 0) AS c,
                         coalesce(-sum(amount) FILTER (WHERE status = 'booked' AND amount < 0), 0) AS d,
                         count(*) FILTER (WHERE status = 'booked')::int AS b, count(*) FILTER (WHERE status = 'pending')::int AS p
                    FROM transactions WHERE account_id = $1 GROUP BY booking_date),
            t AS (SELECT * FROM transaction_day_totals WHERE account_id = $1)
       SELECT r.booking_date, t.booking_date FROM r FULL JOIN t ON t.booking_date = r.booking_date
        WHERE (r.c, r.d, r.b, r.p) IS DISTINCT FROM (t.credits, t.debits, t.booked_count, t.pending_count)`,
      [a.id],
    );
    expect(drift).toEqual([]);
    const accountTotals = () =>
      f.query(
        `SELECT (SELECT row(booked_count, pending_count)::text FROM transaction_account_totals WHERE account_id = $1) AS kept,
                (SELECT row(count(*) FILTER (WHERE status = 'booked'), count(*) FILTER (WHERE status = 'pending'))::text
                   FROM transactions WHERE account_id = $1) AS counted`,
        [a.id],
      );
    const [totals] = await accountTotals();
    expect(totals.kept).toBe(totals.counted);
    expect(totals.kept).not.toBe('(0,0)');
    for (const [from, to] of [
      ['2025-01-01', '2025-01-31'],
      ['2025-02-01', '2025-04-30'],
      ['2024-01-01', '2026-01-01'],
    ] as const) {
      expect(await json(await statement(a, from, to))).toMatchObject(await oracle(a, from, to, '100.00'));
    }
    // Deleting every row leaves no rollup row behind (a retention purge leaves nothing).
    await f.query(`DELETE FROM transactions WHERE account_id = $1`, [a.id]);
    expect(await f.query(`SELECT 1 FROM transaction_day_totals WHERE account_id = $1`, [a.id])).toEqual([]);
    expect(await accountTotals()).toEqual([{ kept: '(0,0)', counted: '(0,0)' }]);
  });

  it('anchors on the closing balance at its date when the bank reports no booked balance now', async () => {
    const c = await f.makeConsent(client.id);
    const a = await f.makeAccount(c, { dataAsOf: new Date('2026-02-01T00:00:00Z') });
    await f.makeTransactions(a, 60, { seed: 53, from: '2026-01-01', to: '2026-01-31', pendingEvery: 7 });
    await f.setBalance(a, 'closing_booked', '1000.00', '2026-01-15');
    // The booked balance now would be the closing one plus everything booked after 01-15.
    const [{ after }] = await f.query<{ after: string }>(
      `SELECT coalesce(sum(amount), 0)::text AS after FROM transactions
        WHERE account_id = $1 AND status = 'booked' AND booking_date > '2026-01-15'`,
      [a.id],
    );
    const booked = minorToDecimal(decimalToMinor('1000.00') + decimalToMinor(after!));
    for (const [from, to] of [
      ['2026-01-01', '2026-01-31'],
      ['2026-01-10', '2026-01-20'],
      ['2026-01-16', '2026-01-16'],
    ] as const) {
      const body = await json(await statement(a, from, to));
      expect({ from, to, ...body }).toMatchObject({ from, to, ...(await oracle(a, from, to, booked)) });
    }
    // A booked balance, when there is one, wins.
    await f.setBalance(a, 'booked', '5.00');
    const body = await json(await statement(a, '2026-01-01', '2026-01-31'));
    expect(body).toMatchObject(await oracle(a, '2026-01-01', '2026-01-31', '5.00'));
  });

  it('answers 200 with null balances for an account never read completely (no booked balance)', async () => {
    const c = await f.makeConsent(client.id);
    const a = await f.makeAccount(c, { dataAsOf: null });
    await f.makeTransactions(a, 20, { seed: 51, from: '2026-01-01', to: '2026-01-31' });
    const body = await json(await statement(a, '2026-01-01', '2026-01-31'));
    expect(body).toEqual({
      account_id: a.id,
      from_date: '2026-01-01',
      to_date: '2026-01-31',
      currency: 'TJS',
      ...(await oracle(a, '2026-01-01', '2026-01-31', null)),
      data_as_of: null,
    });
    expect(body.opening_balance).toBeNull();
    expect(body.transaction_count).toBe(20);
  });
});

/** RFC 4180 parser for the tests (quoted fields, doubled quotes, CRLF inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  if (field || row.length) throw new Error('CSV does not end with CRLF');
  return rows;
}

describe('statement (CSV)', () => {
  it('streams the period as RFC 4180 CSV, oldest first, booked only, followed by the totals', async () => {
    const r = await statement(account, '2025-01-01', '2025-12-31', { accept: 'text/csv' });
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toBe(
      `attachment; filename="statement-${account.id}-2025-01-01-2025-12-31.csv"`,
    );
    const rows = parseCsv(await r.text());
    const expected = await f.query<{
      id: string;
      d: string;
      amount: string;
      type: string;
      description: string;
      cp: string | null;
    }>(
      `SELECT id, booking_date::text AS d, amount::text AS amount, type, description, counterparty_name AS cp FROM transactions
        WHERE account_id = $1 AND status = 'booked' AND booking_date BETWEEN '2025-01-01' AND '2025-12-31' ORDER BY booking_date, id`,
      [account.id],
    );
    expect(rows[0]).toEqual([
      'date',
      'transaction_id',
      'provider_transaction_id',
      'type',
      'description',
      'counterparty',
      'amount',
      'currency',
      'balance_after',
    ]);
    const lines = rows.slice(1, -5);
    expect(lines.map((l) => [l[0], l[1], l[3], l[4], l[5], l[6], l[7]])).toEqual(
      expected.map((e) => [e.d, e.id, e.type, e.description, e.cp ?? '', e.amount, 'TJS']),
    );
    expect(rows.every((row) => row.length === 9)).toBe(true);
    const totals = Object.fromEntries(rows.slice(-5).map((l) => [l[0], l[6]]));
    const js = await json(await statement(account, '2025-01-01', '2025-12-31'));
    expect(totals).toEqual({
      opening_balance: js.opening_balance,
      total_credits: js.total_credits,
      total_debits: js.total_debits,
      closing_balance: js.closing_balance,
      transaction_count: String(js.transaction_count),
    });
    expect(lines).toHaveLength(js.transaction_count);
    // Negative amounts stay numbers (no formula guard on amounts).
    expect(lines.some((l) => /^-\d+\.\d{2}$/.test(l[6]!))).toBe(true);
  });

  it('streams periods longer than one batch in order, each row once', async () => {
    const c = await f.makeConsent(client.id);
    const a = await f.makeAccount(c, { booked: '0.00' });
    await f.makeTransactions(a, 2600, { seed: 61, from: '2025-01-01', to: '2025-01-20' });
    const rows = parseCsv(
      await (await statement(a, '2025-01-01', '2025-01-31', { accept: 'text/csv' })).text(),
    );
    const ids = rows.slice(1, -5).map((l) => l[1]);
    expect(ids).toHaveLength(2600);
    expect(new Set(ids).size).toBe(2600);
    const keys = rows.slice(1, -5).map((l) => `${l[0]} ${l[1]}`);
    expect(keys).toEqual([...keys].sort());
    expect(rows.at(-1)).toEqual(['transaction_count', '', '', '', '', '', '2600', '', '']);
  });

  it('guards text cells against formula injection and quotes per RFC 4180', async () => {
    const c = await f.makeConsent(client.id);
    const a = await f.makeAccount(c, { booked: '-50.00' });
    const nasty = [
      '=HYPERLINK("http://evil.example","click")',
      '+1+2',
      '-2+3',
      '@SUM(A1:A2)',
      '\tcmd',
      '\rx',
      'plain, with "quotes"\r\nand a line break',
    ];
    await f.insertTransactions(
      a,
      nasty.map((d, i) => ({
        date: `2026-01-0${i + 1}`,
        amount: i % 2 ? '12.00' : '-120.50',
        description: d,
        counterpartyName: i === 0 ? '=cmd|x' : null,
        providerTransactionId: `=id${i}`,
      })),
    );
    const text = await (await statement(a, '2026-01-01', '2026-01-31', { accept: 'text/csv' })).text();
    const rows = parseCsv(text).slice(1, -5);
    expect(rows.map((r) => r[4])).toEqual([
      `'=HYPERLINK("http://evil.example","click")`,
      `'+1+2`,
      `'-2+3`,
      `'@SUM(A1:A2)`,
      `'\tcmd`,
      `'\rx`,
      'plain, with "quotes"\r\nand a line break',
    ]);
    expect(rows[0]![5]).toBe(`'=cmd|x`);
    expect(rows[0]![2]).toBe(`'=id0`);
    expect(rows.map((r) => r[6])).toEqual([
      '-120.50',
      '12.00',
      '-120.50',
      '12.00',
      '-120.50',
      '12.00',
      '-120.50',
    ]);
    // booked -50.00 after 4 × -120.50 and 3 × 12.00: opening 396.00, and a negative closing stays a number.
    expect(parseCsv(text).slice(-5)).toEqual([
      ['opening_balance', '', '', '', '', '', '396.00', 'TJS', ''],
      ['total_credits', '', '', '', '', '', '36.00', 'TJS', ''],
      ['total_debits', '', '', '', '', '', '482.00', 'TJS', ''],
      ['closing_balance', '', '', '', '', '', '-50.00', 'TJS', ''],
      ['transaction_count', '', '', '', '', '', '7', '', ''],
    ]);
  });

  it('negotiates: JSON unless the client ranks text/csv higher', async () => {
    const kind = async (accept: string) =>
      (await statement(account, '2026-02-01', '2026-02-28', { accept })).headers.get('content-type');
    expect(await kind('text/csv')).toBe('text/csv; charset=utf-8');
    expect(await kind('application/json;q=0.5, text/csv')).toBe('text/csv; charset=utf-8');
    expect(await kind('text/csv;q=0.5, application/json')).toMatch(/^application\/json/);
    expect(await kind('*/*')).toMatch(/^application\/json/);
    expect(await kind('text/html')).toMatch(/^application\/json/);
  });

  it('logs a CSV read with the number of transactions it disclosed', async () => {
    await statement(account, '2026-02-01', '2026-02-28', { accept: 'text/csv', 'x-request-id': 'csv-log' });
    const js = await json(await statement(account, '2026-02-01', '2026-02-28'));
    const rows = await f.query(
      `SELECT resource, record_count, consent_id, end_user_id FROM access_log WHERE request_id = 'csv-log'`,
    );
    expect(rows).toEqual([
      {
        resource: 'statements',
        record_count: js.transaction_count,
        consent_id: consent.id,
        end_user_id: 'user-st',
      },
    ]);
  });
});

/** Plan nodes of an EXPLAIN (FORMAT JSON), flattened. */
type PlanNode = {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Index Cond'?: string;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
};
const flatten = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(flatten)];
/**
 * `transactions` is partitioned by account (PartitionTransactions): a plan reads its partitions
 * (`transactions_p07`) through their copies of an index (`ix_transactions_keyset_p07`). These tests
 * name the table and the index; libs/persistence/src/partition-plans.int-spec.ts checks the pruning.
 */
const isTransactions = (n: PlanNode) => /^transactions(_p\d\d)?$/.test(n['Relation Name'] ?? '');
const indexOf = (n: PlanNode | undefined) => n?.['Index Name']?.replace(/_p\d\d$/, '');

describe('query plans', () => {
  let bigAccount: TestAccount;
  let cardConsent: TestConsent;

  /**
   * The plan of the (single) statement a repository method runs, as EXPLAIN on the test database:
   * the repository gets a DataSource that explains instead of executing (and then sees no rows).
   */
  async function plan(
    run: (ds: DataSource) => Promise<unknown>,
    settings: string[] = [],
    analyze = false,
  ): Promise<PlanNode[]> {
    let captured: PlanNode[] | undefined;
    const ds = {
      query: async (sql: string, params: unknown[]) => {
        const c = await f.pool.connect();
        try {
          await c.query('BEGIN');
          for (const s of settings) await c.query(s);
          const { rows } = await c.query(`EXPLAIN (${analyze ? 'ANALYZE, ' : ''}FORMAT JSON) ${sql}`, params);
          await c.query('ROLLBACK');
          captured = flatten((rows[0] as { 'QUERY PLAN': Array<{ Plan: PlanNode }> })['QUERY PLAN'][0]!.Plan);
          return [];
        } finally {
          c.release();
        }
      },
    } as unknown as DataSource;
    await run(ds).catch(() => undefined); // the repository's mapping of "no rows" is beside the point
    if (!captured) throw new Error('the repository ran no query');
    return captured;
  }

  beforeAll(async () => {
    // Several accounts, so one account is a small part of the table (of its partition), as in production.
    cardConsent = await f.makeConsent(client.id);
    bigAccount = await f.makeAccount(cardConsent, { booked: '0.00' });
    await f.makeTransactions(bigAccount, 4000, {
      seed: 71,
      from: '2016-01-01',
      to: '2025-12-31',
      providerCardId: 'card-big',
      pendingEvery: 10,
    });
    // In the big account's partition (they are by hash of the account id, which is random).
    const inPartitionOfBig = async (accountId: string) =>
      (
        await f.query<{ same: boolean }>(
          `SELECT count(DISTINCT r) = 1 AS same FROM generate_series(0, $3::int - 1) r
            WHERE satisfies_hash_partition('transactions'::regclass, $3::int, r, $1::uuid)
               OR satisfies_hash_partition('transactions'::regclass, $3::int, r, $2::uuid)`,
          [accountId, bigAccount.id, TRANSACTION_PARTITIONS],
        )
      )[0]!.same;
    for (let i = 0; i < 8;) {
      const other = await f.makeAccount(await f.makeConsent(client.id), { booked: '0.00' });
      if (!(await inPartitionOfBig(other.id))) continue;
      await f.makeTransactions(other, 5000, { seed: 80 + i, from: '2016-01-01', to: '2025-12-31' });
      i++;
    }
    await f.query('VACUUM ANALYZE transactions');
    await f.query('VACUUM ANALYZE transaction_day_totals');
  });

  it('serves a keyset page by an Index Scan on ix_transactions_keyset with the row comparison as index bound', async () => {
    const nodes = await plan((ds) =>
      new TransactionQueryRepository(ds).page(
        { clientId: client.id, source: { accountId: bigAccount.id } },
        { before: { date: '2020-06-01', id: 'ffffffff-ffff-4fff-bfff-ffffffffffff' }, limit: 51 },
      ),
    );
    const scan = nodes.find(isTransactions)!;
    expect(scan['Node Type']).toBe('Index Scan');
    expect(indexOf(scan)).toBe('ix_transactions_keyset');
    expect(scan['Index Cond']).toMatch(/ROW\(booking_date, id\) < ROW/);
    expect(nodes.some((n) => n['Node Type'] === 'Sort')).toBe(false);
  });

  it('reads an account page with its scope and rollup count in one statement, each from an index', async () => {
    const run = (dates: { fromDate?: string; toDate?: string }) => (ds: DataSource) =>
      new TransactionQueryRepository(ds).accountPage(
        { clientId: client.id, source: { accountId: bigAccount.id }, ...dates },
        { before: { date: '2020-06-01', id: 'ffffffff-ffff-4fff-bfff-ffffffffffff' }, limit: 51 },
        true,
      );
    const nodes = await plan(run({}));
    const scan = nodes.find(isTransactions)!;
    expect([scan['Node Type'], indexOf(scan)]).toEqual(['Index Scan', 'ix_transactions_keyset']);
    expect(scan['Index Cond']).toMatch(/ROW\(booking_date, id\) < ROW/);
    // The account by one of its indexes (pkey or the client's: the planner picks on a table this
    // small). Once autovacuum has analysed the few accounts of this database, one page read
    // whole is cheapest: the index is checked with seq scans priced out.
    const indexed = await plan(run({}), ['SET LOCAL enable_seqscan = off']);
    expect(indexed.find((n) => n['Relation Name'] === 'accounts')?.['Node Type']).toMatch(/^Index/);
    // The count reads a rollup by its primary key (once seq scans are priced out), never the rows:
    // the per-account totals without dates, the per-day rows of the period with them ...
    for (const [dates, rollup] of [
      [{}, 'transaction_account_totals'],
      [{ fromDate: '2018-01-01', toDate: '2019-12-31' }, 'transaction_day_totals'],
    ] as const) {
      const priced = await plan(run(dates), ['SET LOCAL enable_seqscan = off']);
      expect(priced.filter(isTransactions)).toHaveLength(1);
      expect(priced.map((n) => n['Index Name'])).toContain(`${rollup}_pkey`);
      // ... once per request, not once per row of the page (a subquery pulled up into the join
      // would be re-run for each of the 51 rows).
      const ran = await plan(run(dates), [], true);
      const reads = ran.filter((n) => n['Relation Name'] === rollup);
      expect(reads).not.toEqual([]);
      for (const n of reads) expect(n['Actual Loops']).toBe(1);
      expect(ran.find(isTransactions)?.['Actual Loops']).toBe(1);
    }
  });

  it("serves a card's page by ix_transactions_card", async () => {
    const nodes = await plan((ds) =>
      new TransactionQueryRepository(ds).page(
        { clientId: client.id, source: { consentId: cardConsent.id, providerCardId: 'card-big' } },
        { before: { date: '2020-06-01', id: 'ffffffff-ffff-4fff-bfff-ffffffffffff' }, limit: 51 },
      ),
    );
    const scan = nodes.find(isTransactions)!;
    expect([scan['Node Type'], indexOf(scan)]).toEqual(['Index Scan', 'ix_transactions_card']);
  });

  it('walks an offset page through ix_transactions_keyset alone (Index Only Scan)', async () => {
    const nodes = await plan((ds) =>
      new TransactionQueryRepository(ds).page(
        { clientId: client.id, source: { accountId: bigAccount.id } },
        { offset: 5000, limit: 51 },
      ),
    );
    expect(nodes.map((n) => [n['Node Type'], indexOf(n)])).toContainEqual([
      'Index Only Scan',
      'ix_transactions_keyset',
    ]);
  });

  it('computes the statement from the per-day rollup by its primary key, never reading transactions', async () => {
    const run = (ds: DataSource) =>
      new StatementQueryRepository(ds).totals(bigAccount.id, '2016-02-01', '2016-02-29');
    for (const nodes of [await plan(run), await plan(run, ['SET LOCAL enable_seqscan = off'])]) {
      expect(nodes.filter(isTransactions)).toEqual([]);
      expect(nodes.some((n) => n['Relation Name'] === 'transaction_day_totals')).toBe(true);
    }
    // With the table this small the planner may prefer a seq scan of the rollup; the index serves
    // both ranges as soon as it is cheaper (checked with seq scans priced out).
    const indexed = (await plan(run, ['SET LOCAL enable_seqscan = off'])).filter(
      (n) => n['Index Name'] === 'transaction_day_totals_pkey',
    );
    expect(indexed.length).toBeGreaterThanOrEqual(2);
    for (const n of indexed)
      expect(['Index Scan', 'Index Only Scan', 'Bitmap Index Scan']).toContain(n['Node Type']);
  });

  it('reads the CSV batches of a long period through ix_transactions_keyset without sorting', async () => {
    // (For a period barely larger than one batch the planner may rather sort its few rows: also fine.)
    const nodes = await plan((ds) =>
      new StatementQueryRepository(ds).lines(
        bigAccount.id,
        '2016-01-01',
        '2025-12-31',
        { date: '2017-03-01', id: '00000000-0000-4000-8000-000000000000' },
        1000,
      ),
    );
    const scan = nodes.find(isTransactions)!;
    expect(indexOf(scan)).toBe('ix_transactions_keyset');
    expect(nodes.some((n) => n['Node Type'] === 'Sort')).toBe(false);
  });

  it('counts total_count of an unfiltered list from the rollup, and a typed one on an index', async () => {
    const untyped = await plan((ds) =>
      new TransactionQueryRepository(ds).count({ clientId: client.id, source: { accountId: bigAccount.id } }),
    );
    expect(untyped.some(isTransactions)).toBe(false);
    const typed = await plan((ds) =>
      new TransactionQueryRepository(ds).count({
        clientId: client.id,
        source: { accountId: bigAccount.id },
        type: 'fee',
      }),
    );
    const scan = typed.find((n) => isTransactions(n) || n['Index Name'])!;
    expect(scan['Node Type']).toMatch(/Index|Bitmap/);
  });

  it('reads the change feed through ix_transactions_changes and ix_transaction_removals_consent', async () => {
    const nodes = await plan((ds) =>
      new ChangeFeedQueryRepository(ds).changesAfter(cardConsent.id, 100n, 101),
    );
    const names = nodes.map(indexOf).filter(Boolean);
    expect(names).toEqual(
      expect.arrayContaining(['ix_transactions_changes', 'ix_transaction_removals_consent']),
    );
  });
});
