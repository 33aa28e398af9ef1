import { Money } from '#domain/money.js';
import { createDataSource } from '#persistence/data-source.js';
import { SyncWriteRepository } from '#persistence/repositories/sync-write.repository.js';
import { DataFactory, type TestClient, type TestConsent } from '#testing/factories.js';
import { ADMIN_TOKEN, bearer, json, startApi, type ApiHarness } from './harness.js';

/**
 * Amounts keep their currency's scale from the writer to the statement: a 3-decimal currency
 * (KWD, BHD, OMR, TND, JOD…) is never rounded to 2 decimals on the way.
 */
let api: ApiHarness;
let f: DataFactory;
let client: TestClient;
let consent: TestConsent;
let ds: ReturnType<typeof createDataSource>;
let writer: SyncWriteRepository;

beforeAll(async () => {
  api = await startApi();
  f = new DataFactory({ databaseUrl: api.db.url, apiUrl: api.url, adminToken: ADMIN_TOKEN });
  client = await f.makeClient('three-decimals');
  consent = await f.makeConsent(client.id, { endUserId: 'user-kwd' });
  ds = createDataSource({ url: api.db.url, poolSize: 2 });
  await ds.initialize();
  writer = new SyncWriteRepository(ds);
});

afterAll(async () => {
  await ds?.destroy();
  await f?.close();
  await api?.close();
});

const money = (amount: string, currency: string) => Money.parse(amount, currency).toString();

/** One account written the way a sync writes it: a page of transactions, then its balances. */
async function writeAccount(currency: string, rows: Array<[string, string, string]>, booked: string) {
  const scope = { clientId: client.id, consentId: consent.id, provider: 'alif-mobi' };
  const providerAccountId = `acc-${currency}`;
  const ids = await writer.upsertAccounts(scope, [
    {
      providerAccountId,
      type: 'current',
      name: `${currency} account`,
      currency,
      iban: null,
      numberMasked: null,
      status: 'enabled',
    },
  ]);
  const accountId = ids.get(providerAccountId)!;
  const owner = `job-${currency}`;
  expect(await writer.acquireLease(accountId, owner, null)).not.toBeNull();
  const syncId = (
    await ds.query(
      `INSERT INTO syncs (client_id, consent_id, reason, state) VALUES ($1, $2, 'manual', 'running') RETURNING id`,
      [client.id, consent.id],
    )
  )[0].id as string;
  await ds.transaction(async (em) => {
    await writer.fence(em, consent.id);
    await writer.upsertTransactions(
      em,
      { ...scope, accountId },
      rows.map(([id, date, amount]) => ({
        providerTransactionId: id,
        status: 'booked' as const,
        bookingDate: date,
        valueDate: null,
        bookedAt: null,
        amount: money(amount, currency),
        currency,
        type: 'transfer',
        description: id,
        counterpartyName: null,
        counterpartyAccount: null,
        balanceAfter: null,
        category: null,
        providerCardId: null,
      })),
    );
    await writer.saveCheckpoint(em, accountId, { stream: null, done: false }, syncId, owner);
  });
  await ds.transaction(async (em) => {
    await writer.fence(em, consent.id);
    await writer.completeAccount(
      em,
      accountId,
      owner,
      [{ type: 'booked', amount: money(booked, currency), currency, referenceDate: null }],
      { stream: null, done: true },
      syncId,
      new Date('2026-03-01T00:00:00Z'),
      new Date('2026-03-02T00:00:00Z'),
      [],
    );
  });
  await writer.releaseLease(accountId, owner);
  await ds.query(`UPDATE syncs SET state = 'succeeded', finished_at = now() WHERE id = $1`, [syncId]);
  return accountId;
}

const get = async (path: string) => {
  const r = await fetch(`${api.url}${path}`, { headers: bearer(client.apiKey) });
  expect(r.status).toBe(200);
  return json(r);
};

describe('money at the currency’s scale', () => {
  it('stores and serves a 3-decimal currency exactly, through the writer and the statement', async () => {
    const id = await writeAccount(
      'KWD',
      [
        ['k1', '2026-02-01', '250.125'],
        ['k2', '2026-02-10', '-1.005'],
        ['k3', '2026-02-20', '-0.001'],
      ],
      '1000.375',
    );
    const [stored] = await f.query<{ sum: string; booked: string }>(
      `SELECT (SELECT sum(amount)::text FROM transactions WHERE account_id = $1) AS sum,
              (SELECT amount::text FROM balances WHERE account_id = $1 AND type = 'booked') AS booked`,
      [id],
    );
    expect(stored).toEqual({ sum: '249.119', booked: '1000.375' });

    const st = await get(`/v1/accounts/${id}/statement?from_date=2026-02-01&to_date=2026-02-28`);
    expect(st).toMatchObject({
      currency: 'KWD',
      opening_balance: '751.256',
      closing_balance: '1000.375',
      total_credits: '250.125',
      total_debits: '1.006',
      transaction_count: 3,
    });
    const tx = await get(`/v1/accounts/${id}/transactions`);
    expect(tx.transactions.map((t: { amount: string }) => t.amount).sort()).toEqual([
      '-0.001',
      '-1.005',
      '250.125',
    ]);
    const balances = await get(`/v1/accounts/${id}/balances`);
    expect(balances.balances).toEqual([expect.objectContaining({ type: 'booked', amount: '1000.375' })]);
  });

  it('keeps 2-decimal and 0-decimal currencies at their own scale', async () => {
    const tjs = await writeAccount('TJS', [['t1', '2026-02-03', '-12.5']], '100');
    expect(await get(`/v1/accounts/${tjs}/statement?from_date=2026-02-01&to_date=2026-02-28`)).toMatchObject({
      opening_balance: '112.50',
      closing_balance: '100.00',
      total_credits: '0.00',
      total_debits: '12.50',
    });
    const jpy = await writeAccount('JPY', [['j1', '2026-02-03', '1500']], '20000');
    expect(await get(`/v1/accounts/${jpy}/statement?from_date=2026-02-01&to_date=2026-02-28`)).toMatchObject({
      opening_balance: '18500',
      closing_balance: '20000',
      total_credits: '1500',
      total_debits: '0',
    });
  });
});
