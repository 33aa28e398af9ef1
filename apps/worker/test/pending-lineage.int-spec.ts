import { Logger } from '@nestjs/common';
import fc from 'fast-check';
import { ChangeFeedQueryRepository } from '#persistence/repositories/change-feed-query.repository.js';
import {
  TRANSACTION_COLUMNS,
  type TransactionRow,
} from '#persistence/repositories/transaction-query.repository.js';
import { createTestDatabase, type TestDatabase } from '#testing/db.js';
import { ScriptedBank, scriptedSync, type BankEntry, type ScriptedSync } from '#testing/scripted-bank.js';

/**
 * Pending → booked lineage through the real sync engine on the real PostgreSQL, with a scripted
 * bank: a booked entry that arrives under a new id supersedes the pending row it replaces (by
 * entry reference, else by a unique amount/currency/counterparty/date-window match), vanished
 * pending rows go only at the end of a stream that held every pending entry, and the change feed
 * reports all of it so that a client following it ends with Hisob's copy.
 */
let db: TestDatabase;
let h: ScriptedSync;
let bank: ScriptedBank;
let feed: ChangeFeedQueryRepository;

beforeAll(async () => {
  Logger.overrideLogger(false);
  db = await createTestDatabase();
  bank = new ScriptedBank();
  h = await scriptedSync(db.url, bank);
  feed = new ChangeFeedQueryRepository(h.ds);
});
afterAll(async () => {
  await h?.close();
  await db?.drop();
});
beforeEach(() => {
  bank.entries = [];
  bank.pageSize = 2;
  bank.pendingComplete = true;
  bank.order = 'listed';
  bank.failAfterPages = null;
  bank.repeatOnResume = false;
});

interface Row {
  id: string;
  provider_transaction_id: string;
  status: string;
  amount: string;
  entry_reference: string | null;
  supersedes: string | null;
}

async function rows(consentId: string): Promise<Row[]> {
  return h.ds.query(
    `SELECT id, provider_transaction_id, status, amount::text AS amount, entry_reference, supersedes
       FROM transactions WHERE consent_id = $1 ORDER BY provider_transaction_id`,
    [consentId],
  );
}
const byProviderId = (rs: Row[], id: string) => rs.find((r) => r.provider_transaction_id === id);

async function removals(consentId: string): Promise<string[]> {
  const rs: Array<{ transaction_id: string }> = await h.ds.query(
    `SELECT transaction_id FROM transaction_removals WHERE consent_id = $1 ORDER BY seq`,
    [consentId],
  );
  return rs.map((r) => r.transaction_id);
}

async function counts(syncId: string) {
  const [s] = await h.ds.query(
    `SELECT state, transactions_added AS added, transactions_modified AS modified, transactions_removed AS removed
       FROM syncs WHERE id = $1`,
    [syncId],
  );
  return s as { state: string; added: number; modified: number; removed: number };
}

const pending = (id: string, o: Partial<BankEntry> = {}): BankEntry => ({
  id,
  status: 'pending',
  date: '2026-03-01',
  amount: '-12.00',
  counterparty: 'Cafe Rohat',
  ...o,
});
const booked = (id: string, o: Partial<BankEntry> = {}): BankEntry => ({
  ...pending(id, o),
  status: 'booked',
  ...o,
});

describe('a booked entry under a new id', () => {
  it('supersedes the pending row with its entry reference, even without pendingComplete', async () => {
    const { consentId } = await h.newConsent();
    bank.pendingComplete = false;
    bank.entries = [booked('b0', { amount: '100.00', counterparty: 'Salary' }), pending('p1', { ref: 'R1' })];
    await h.sync(consentId);
    const before = byProviderId(await rows(consentId), 'p1')!;
    expect(before).toMatchObject({ status: 'pending', entry_reference: 'R1', supersedes: null });

    // Booked two days later under a new id, amount settled differently: the reference ties them.
    bank.entries = [
      booked('b0', { amount: '100.00', counterparty: 'Salary' }),
      booked('b1', { ref: 'R1', date: '2026-03-03', amount: '-12.40' }),
    ];
    const { syncId } = await h.sync(consentId);
    const after = await rows(consentId);
    expect(after.map((r) => [r.provider_transaction_id, r.status])).toEqual([
      ['b0', 'booked'],
      ['b1', 'booked'],
    ]);
    expect(byProviderId(after, 'b1')!.supersedes).toBe(before.id);
    expect(await removals(consentId)).toEqual([before.id]);
    expect(await counts(syncId)).toEqual({ state: 'succeeded', added: 1, modified: 0, removed: 1 });
  });

  it('supersedes the one pending row with the same amount, currency and counterparty within the date window', async () => {
    const { consentId } = await h.newConsent();
    bank.pendingComplete = false;
    bank.entries = [pending('p1'), pending('p2', { amount: '-30.00', date: '2026-03-02' })];
    await h.sync(consentId);
    const stored = await rows(consentId);

    bank.entries = [
      booked('b1', { date: '2026-03-11' }), // 10 days after p1: inside the window
      booked('b2', { amount: '-30.00', date: '2026-03-13' }), // 11 days after p2: outside
    ];
    const { syncId } = await h.sync(consentId);
    const after = await rows(consentId);
    expect(byProviderId(after, 'b1')!.supersedes).toBe(byProviderId(stored, 'p1')!.id);
    expect(byProviderId(after, 'p1')).toBeUndefined();
    // Outside the window: no lineage, and without pendingComplete the pending row stays.
    expect(byProviderId(after, 'b2')!.supersedes).toBeNull();
    expect(byProviderId(after, 'p2')).toMatchObject({ status: 'pending' });
    expect(await counts(syncId)).toEqual({ state: 'succeeded', added: 2, modified: 0, removed: 1 });
  });

  it('guesses nothing when the fallback is ambiguous; the pending rows wait for a complete stream', async () => {
    const { consentId } = await h.newConsent();
    bank.pendingComplete = false;
    // Two identical card authorisations, then one of them books with nothing to tell which.
    bank.entries = [pending('p1'), pending('p2', { description: 'second' })];
    await h.sync(consentId);
    bank.entries = [booked('b1', { date: '2026-03-02' }), pending('p2', { description: 'second' })];
    // p2 is reported again in this stream, so it is still pending: only p1 is a candidate...
    bank.order = 'pending-first';
    await h.sync(consentId);
    let now = await rows(consentId);
    expect(byProviderId(now, 'b1')!.supersedes).not.toBeNull();

    // ...whereas with both pending rows unreported, b3 has two candidates: no guess.
    const other = await h.newConsent();
    bank.entries = [pending('p1'), pending('p2', { description: 'second' })];
    await h.sync(other.consentId);
    bank.entries = [booked('b3', { date: '2026-03-02' })];
    await h.sync(other.consentId);
    now = await rows(other.consentId);
    expect(now.map((r) => [r.provider_transaction_id, r.status, r.supersedes])).toEqual([
      ['b3', 'booked', null],
      ['p1', 'pending', null],
      ['p2', 'pending', null],
    ]);
    // A complete stream that no longer shows them removes both; b3 keeps no lineage.
    bank.pendingComplete = true;
    const { syncId } = await h.sync(other.consentId);
    now = await rows(other.consentId);
    expect(now.map((r) => [r.provider_transaction_id, r.supersedes])).toEqual([['b3', null]]);
    expect((await removals(other.consentId)).length).toBe(2);
    expect(await counts(syncId)).toEqual({ state: 'succeeded', added: 0, modified: 0, removed: 2 });
  });

  it('takes no pending row the stream reports on a later page for booked (a bank that pages pending last)', async () => {
    // A second coffee, booked at once, alike to the still pending first one; p2 booked as b2.
    // The booked entries come first, one per page: p1's report arrives only on the last page.
    bank.order = 'booked-first';
    bank.pageSize = 1;
    for (const complete of [true, false]) {
      bank.pendingComplete = complete;
      const other = await h.newConsent();
      bank.entries = [pending('p1'), pending('p2', { amount: '-30.00' })];
      await h.sync(other.consentId);
      const before = await rows(other.consentId);
      bank.entries = [
        booked('d1', { date: '2026-03-02' }),
        booked('b2', { amount: '-30.00', date: '2026-03-03' }),
        pending('p1'),
      ];
      const { syncId } = await h.sync(other.consentId);
      const after = await rows(other.consentId);
      expect(after.map((r) => [r.provider_transaction_id, r.status])).toEqual([
        ['b2', 'booked'],
        ['d1', 'booked'],
        ['p1', 'pending'],
      ]);
      // p1 kept its row; d1 supersedes nothing; b2 supersedes p2 (found at the stream's end).
      expect(byProviderId(after, 'p1')!.id).toBe(byProviderId(before, 'p1')!.id);
      expect(byProviderId(after, 'd1')!.supersedes).toBeNull();
      expect(byProviderId(after, 'b2')!.supersedes).toBe(byProviderId(before, 'p2')!.id);
      expect(await removals(other.consentId)).toEqual([byProviderId(before, 'p2')!.id]);
      expect(await counts(syncId)).toMatchObject({ state: 'succeeded', added: 2, removed: 1 });
    }
  });

  it('drops a pending report whose reference a booked entry of the same page carries', async () => {
    const { consentId } = await h.newConsent();
    bank.entries = [pending('p1', { ref: 'R1' })];
    await h.sync(consentId);
    const [p1] = await rows(consentId);
    // For a moment the bank shows the entry both ways.
    bank.entries = [pending('p1', { ref: 'R1' }), booked('b1', { ref: 'R1', date: '2026-03-02' })];
    bank.pageSize = 5;
    const s = await h.sync(consentId);
    expect((await rows(consentId)).map((r) => [r.provider_transaction_id, r.supersedes])).toEqual([
      ['b1', p1!.id],
    ]);
    expect(await counts(s.syncId)).toMatchObject({ added: 1, modified: 0, removed: 1 });
  });

  it('guesses nothing when two new booked entries match the same pending row', async () => {
    const { consentId } = await h.newConsent();
    bank.pendingComplete = false;
    bank.entries = [pending('p1')];
    await h.sync(consentId);
    bank.entries = [booked('b1', { date: '2026-03-02' }), booked('b2', { date: '2026-03-03' })];
    bank.pageSize = 5;
    await h.sync(consentId);
    const now = await rows(consentId);
    expect(now.map((r) => [r.provider_transaction_id, r.status, r.supersedes])).toEqual([
      ['b1', 'booked', null],
      ['b2', 'booked', null],
      ['p1', 'pending', null],
    ]);
  });
});

describe('pending rows the bank no longer shows', () => {
  it('are removed only at the end of a stream with pendingComplete', async () => {
    const { consentId } = await h.newConsent();
    bank.entries = [booked('b0', { amount: '5.00' }), pending('p1'), pending('p2', { amount: '-1.00' })];
    await h.sync(consentId);
    const stored = await rows(consentId);

    bank.entries = [booked('b0', { amount: '5.00' }), pending('p2', { amount: '-1.00' })];
    bank.pendingComplete = false;
    let s = await h.sync(consentId);
    expect((await rows(consentId)).map((r) => r.provider_transaction_id)).toEqual(['b0', 'p1', 'p2']);
    expect(await counts(s.syncId)).toMatchObject({ added: 0, modified: 0, removed: 0 });

    bank.pendingComplete = true;
    s = await h.sync(consentId);
    expect((await rows(consentId)).map((r) => r.provider_transaction_id)).toEqual(['b0', 'p2']);
    expect(await removals(consentId)).toEqual([byProviderId(stored, 'p1')!.id]);
    expect(await counts(s.syncId)).toMatchObject({ added: 0, modified: 0, removed: 1 });
  });

  it('a pending entry booked under its own id is modified to booked, not removed, by a complete stream', async () => {
    const { consentId } = await h.newConsent();
    bank.entries = [pending('p1')];
    await h.sync(consentId);
    const [before] = await rows(consentId);
    bank.entries = [booked('p1', { date: '2026-03-02' })];
    const s = await h.sync(consentId);
    expect(await rows(consentId)).toEqual([{ ...before, status: 'booked' }]);
    expect(await removals(consentId)).toEqual([]);
    expect(await counts(s.syncId)).toMatchObject({ added: 0, modified: 1, removed: 0 });
  });

  it('a pending entry re-reported with other fields is modified, in place', async () => {
    const { consentId } = await h.newConsent();
    bank.entries = [pending('p1')];
    await h.sync(consentId);
    const [before] = await rows(consentId);
    bank.entries = [pending('p1', { amount: '-12.50' })];
    const s = await h.sync(consentId);
    const [after] = await rows(consentId);
    expect(after).toMatchObject({ id: before!.id, amount: '-12.50', status: 'pending' });
    expect(await counts(s.syncId)).toMatchObject({ added: 0, modified: 1, removed: 0 });
  });
});

describe('a scheduled sync', () => {
  /** The `sync.*` and `transactions.changed` events recorded for the client, oldest first. */
  async function events(clientId: string) {
    const rs: Array<{ type: string; data: Record<string, unknown> }> = await h.ds.query(
      `SELECT type, payload->'data' AS data FROM webhook_events
        WHERE client_id = $1 AND (type LIKE 'sync.%' OR type = 'transactions.changed') ORDER BY created_at, id`,
      [clientId],
    );
    return rs.map((r) => ({
      type: r.type,
      syncId: r.data.sync_id ?? (r.data.sync as { id?: string })?.id,
      data: r.data,
    }));
  }

  it("that only removes a vanished pending row (the last page, written with the account's end) is told; one that changes nothing is not", async () => {
    const { clientId, consentId } = await h.newConsent();
    await h.ds.query(`UPDATE clients SET webhook_url = 'https://merchant.example/hooks' WHERE id = $1`, [
      clientId,
    ]);
    bank.entries = [booked('b0', { amount: '100.00', counterparty: 'Salary' }), pending('p1')];
    await h.sync(consentId);

    const idle = await h.sync(consentId, 'scheduled');
    expect(await counts(idle.syncId)).toMatchObject({
      state: 'succeeded',
      added: 0,
      modified: 0,
      removed: 0,
    });
    expect((await events(clientId)).filter((e) => e.syncId === idle.syncId)).toEqual([]);

    // p1 is gone at the bank; the stream (one page: its last) holds every pending entry.
    bank.entries = [booked('b0', { amount: '100.00', counterparty: 'Salary' })];
    bank.pageSize = 5;
    const gone = await h.sync(consentId, 'scheduled');
    expect(await counts(gone.syncId)).toMatchObject({
      state: 'succeeded',
      added: 0,
      modified: 0,
      removed: 1,
    });
    expect((await rows(consentId)).map((r) => r.provider_transaction_id)).toEqual(['b0']);
    const told = (await events(clientId)).filter((e) => e.syncId === gone.syncId);
    // Both events are written in the sync's last transaction, so they share created_at: order is not asserted.
    expect(told.map((e) => e.type).sort()).toEqual(['sync.succeeded', 'transactions.changed']);
    expect(told.find((e) => e.type === 'transactions.changed')!.data).toMatchObject({
      added: 0,
      modified: 0,
      removed: 1,
    });
  });
});

describe('a stream delivered again', () => {
  const state = (): BankEntry[] => [
    booked('b1', { ref: 'R1', date: '2026-03-02' }),
    booked('b2', { date: '2026-03-04', amount: '-7.00' }),
    pending('p3', { ref: 'R3', amount: '-3.00' }),
    pending('p4', { amount: '-4.00' }),
    booked('b5', { amount: '50.00', counterparty: 'Salary' }),
  ];

  async function setUp() {
    const { consentId } = await h.newConsent();
    bank.entries = [
      pending('p1', { ref: 'R1' }),
      pending('p2', { amount: '-7.00' }),
      pending('p3', { ref: 'R3', amount: '-3.00' }),
      pending('p4', { amount: '-4.00' }),
      pending('p9', { amount: '-9.00' }),
    ];
    await h.sync(consentId);
    bank.entries = state();
    return consentId;
  }

  const expected = [
    ['b1', 'booked', true],
    ['b2', 'booked', true],
    ['b5', 'booked', false],
    ['p3', 'pending', false],
    ['p4', 'pending', false],
  ];
  const shape = (rs: Row[]) => rs.map((r) => [r.provider_transaction_id, r.status, r.supersedes !== null]);

  it('the same bank state synced twice changes nothing the second time', async () => {
    const consentId = await setUp();
    const first = await h.sync(consentId);
    expect(shape(await rows(consentId))).toEqual(expected);
    expect(await counts(first.syncId)).toMatchObject({ added: 3, modified: 0, removed: 3 });
    const second = await h.sync(consentId);
    expect(shape(await rows(consentId))).toEqual(expected);
    expect(await counts(second.syncId)).toMatchObject({ added: 0, modified: 0, removed: 0 });
  });

  it('a fault mid-stream resumes from the checkpoint: the pending entries seen before it are kept', async () => {
    const consentId = await setUp();
    // Pending entries first, then the fault: the rest of the stream comes from the checkpoint,
    // and its complete end must still know p3 and p4 were reported.
    bank.order = 'pending-first';
    bank.failAfterPages = 1;
    const s = await h.sync(consentId);
    expect(s.outcome).toMatchObject({ kind: 'done' });
    expect(shape(await rows(consentId))).toEqual(expected);
    expect(await counts(s.syncId)).toMatchObject({ state: 'succeeded', added: 3, modified: 0, removed: 3 });
  });

  it('a page delivered twice on resume writes nothing twice', async () => {
    const consentId = await setUp();
    bank.failAfterPages = 2;
    bank.repeatOnResume = true;
    const s = await h.sync(consentId);
    expect(shape(await rows(consentId))).toEqual(expected);
    expect(await counts(s.syncId)).toMatchObject({ state: 'succeeded', added: 3, modified: 0, removed: 3 });
    expect((await removals(consentId)).length).toBe(3);
  });
});

/** A client of the change feed: upserts added and modified, deletes removed. */
class Follower {
  readonly copy = new Map<string, TransactionRow>();
  /** Every id this client ever held as a pending transaction. */
  readonly seenPending = new Set<string>();
  private cursor = 0n;
  constructor(private readonly consentId: string) {}
  async drain(): Promise<void> {
    for (;;) {
      const changes = await feed.changesAfter(this.consentId, this.cursor, 3);
      if (!changes.length) return;
      for (const c of changes) {
        if (c.kind === 'removed') this.copy.delete(c.transactionId);
        else {
          this.copy.set(c.transaction.id, c.transaction);
          if (c.transaction.status === 'pending') this.seenPending.add(c.transaction.id);
        }
        this.cursor = c.seq;
      }
    }
  }
}

async function hisobCopy(consentId: string): Promise<Map<string, TransactionRow>> {
  const rs: TransactionRow[] = await h.ds.query(
    `SELECT ${TRANSACTION_COLUMNS} FROM transactions t WHERE t.consent_id = $1`,
    [consentId],
  );
  return new Map(rs.map((r) => [r.id, r]));
}

/** The account's rollups as the triggers keep them (rows for days with no transaction are gone). */
async function rollups(accountId: string) {
  const [totals] = await h.ds.query(
    `SELECT booked_count::int AS booked, pending_count::int AS pending FROM transaction_account_totals WHERE account_id = $1`,
    [accountId],
  );
  const days = await h.ds.query(
    `SELECT booking_date::text AS d, credits::numeric(20,2)::text AS credits, debits::numeric(20,2)::text AS debits, booked_count AS booked, pending_count AS pending
       FROM transaction_day_totals WHERE account_id = $1 ORDER BY booking_date`,
    [accountId],
  );
  return { totals: totals ?? { booked: 0, pending: 0 }, days };
}

/** The same figures counted from the rows themselves. */
async function recount(accountId: string) {
  const [totals] = await h.ds.query(
    `SELECT count(*) FILTER (WHERE status = 'booked')::int AS booked, count(*) FILTER (WHERE status = 'pending')::int AS pending
       FROM transactions WHERE account_id = $1`,
    [accountId],
  );
  const days = await h.ds.query(
    `SELECT booking_date::text AS d,
            coalesce(sum(amount) FILTER (WHERE status = 'booked' AND amount > 0), 0)::numeric(20,2)::text AS credits,
            coalesce(-sum(amount) FILTER (WHERE status = 'booked' AND amount < 0), 0)::numeric(20,2)::text AS debits,
            count(*) FILTER (WHERE status = 'booked')::int AS booked, count(*) FILTER (WHERE status = 'pending')::int AS pending
       FROM transactions WHERE account_id = $1 GROUP BY booking_date ORDER BY booking_date`,
    [accountId],
  );
  return { totals, days };
}

/** What happens at the bank between two syncs. */
type Step =
  | { kind: 'pending'; ref: boolean; amount: number; party: number }
  | { kind: 'modify'; at: number; amount: number }
  | { kind: 'book'; at: number; newId: boolean; days: number }
  | { kind: 'vanish'; at: number }
  | { kind: 'direct'; amount: number; party: number; days: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('pending' as const),
    ref: fc.boolean(),
    amount: fc.integer({ min: 1, max: 3 }),
    party: fc.integer({ min: 0, max: 1 }),
  }),
  fc.record({ kind: fc.constant('modify' as const), at: fc.nat(), amount: fc.integer({ min: 1, max: 3 }) }),
  fc.record({
    kind: fc.constant('book' as const),
    at: fc.nat(),
    newId: fc.boolean(),
    days: fc.integer({ min: 0, max: 12 }),
  }),
  fc.record({ kind: fc.constant('vanish' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('direct' as const),
    amount: fc.integer({ min: 1, max: 3 }),
    party: fc.integer({ min: 0, max: 1 }),
    days: fc.integer({ min: 0, max: 3 }),
  }),
);
const round = fc.record({
  steps: fc.array(step, { minLength: 1, maxLength: 4 }),
  pageSize: fc.integer({ min: 1, max: 4 }),
  order: fc.constantFrom('listed' as const, 'pending-first' as const, 'booked-first' as const),
  pendingComplete: fc.boolean(),
  fault: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
});

const day = (n: number) => new Date(Date.UTC(2026, 2, 1 + n)).toISOString().slice(0, 10);

describe('property: any sequence of bank states', () => {
  it('a client replaying the change feed ends with exactly Hisob’s copy; no booked entry twice; every supersedes a removed pending row', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(round, { minLength: 1, maxLength: 6 }), async (rounds) => {
        const { consentId } = await h.newConsent();
        const follower = new Follower(consentId);
        bank.entries = [];
        let n = 0;
        let today = 0;
        for (const r of rounds) {
          for (const s of r.steps) {
            const pendings = bank.entries.filter((e) => e.status === 'pending');
            const pick = (at: number) => pendings[at % pendings.length];
            switch (s.kind) {
              case 'pending':
                n++;
                bank.entries.push({
                  id: `p${n}`,
                  status: 'pending',
                  date: day(today),
                  amount: `-${s.amount}.00`,
                  counterparty: `party-${s.party}`,
                  ref: s.ref ? `R${n}` : null,
                });
                break;
              case 'modify': {
                const e = pick(s.at);
                if (e) e.amount = `-${s.amount}.50`;
                break;
              }
              case 'book': {
                const e = pick(s.at);
                if (!e) break;
                e.status = 'booked';
                e.date = day(today + s.days);
                if (s.newId) e.id = `b${++n}`;
                break;
              }
              case 'vanish': {
                const e = pick(s.at);
                if (e) bank.entries.splice(bank.entries.indexOf(e), 1);
                break;
              }
              case 'direct':
                n++;
                bank.entries.push({
                  id: `d${n}`,
                  status: 'booked',
                  date: day(today + s.days),
                  amount: `-${s.amount}.00`,
                  counterparty: `party-${s.party}`,
                });
                break;
            }
          }
          today++;
          bank.pageSize = r.pageSize;
          bank.order = r.order;
          bank.pendingComplete = r.pendingComplete;
          bank.failAfterPages = r.fault;
          // The pending rows the client holds with a reference, before this sync.
          const pendingByRef = new Map(
            [...follower.copy.values()]
              .filter((t) => t.status === 'pending' && t.entryReference)
              .map((t) => [t.entryReference!, t.id]),
          );
          const heldBefore = new Set(follower.copy.keys());
          // The pending rows the client holds, by the bank's id.
          const heldPending = new Map(
            [...follower.copy.values()]
              .filter((t) => t.status === 'pending')
              .map((t) => [t.providerTransactionId, t.id]),
          );
          const sync = await h.sync(consentId);
          expect(sync.outcome).toMatchObject({ kind: 'done' });
          await follower.drain();

          const copy = await hisobCopy(consentId);
          // The replayed copy is Hisob's, field for field.
          expect(new Map([...follower.copy].sort())).toEqual(new Map([...copy].sort()));
          const rowsNow = [...copy.values()];
          // Every booked entry of the bank once, and no other booked row.
          const bookedIds = rowsNow
            .filter((t) => t.status === 'booked')
            .map((t) => t.providerTransactionId)
            .sort();
          expect(bookedIds).toEqual(
            bank.entries
              .filter((e) => e.status === 'booked')
              .map((e) => e.id)
              .sort(),
          );
          // Every pending entry the bank shows is there; after a complete stream, only those.
          const pendingIds = rowsNow
            .filter((t) => t.status === 'pending')
            .map((t) => t.providerTransactionId)
            .sort();
          const bankPending = bank.entries
            .filter((e) => e.status === 'pending')
            .map((e) => e.id)
            .sort();
          if (r.pendingComplete) expect(pendingIds).toEqual(bankPending);
          else expect(pendingIds).toEqual(expect.arrayContaining(bankPending));
          // The rollups (list counts, statement sums) agree with the rows: nothing counted twice.
          expect(await rollups(sync.accountId)).toEqual(await recount(sync.accountId));
          // Every supersedes names a pending row the client held and then saw removed.
          const removed = new Set(await removals(consentId));
          for (const t of rowsNow.filter((x) => x.supersedes !== null)) {
            expect(t.status).toBe('booked');
            expect(removed.has(t.supersedes!)).toBe(true);
            expect(follower.seenPending.has(t.supersedes!)).toBe(true);
            expect(copy.has(t.supersedes!)).toBe(false);
          }
          // A pending entry the bank still shows keeps its row: never taken for booked (superseded)
          // and written again, whatever page of the stream reports it.
          for (const e of bank.entries.filter((x) => x.status === 'pending' && heldPending.has(x.id))) {
            const now = rowsNow.find((t) => t.providerTransactionId === e.id);
            expect({ entry: e.id, id: now?.id }).toEqual({ entry: e.id, id: heldPending.get(e.id) });
          }
          // A new booked entry whose pending twin (same reference) the client held supersedes exactly it.
          for (const t of rowsNow) {
            if (t.status !== 'booked' || !t.entryReference || heldBefore.has(t.id)) continue;
            const twin = pendingByRef.get(t.entryReference);
            if (twin) expect(t.supersedes).toBe(twin);
          }
        }
      }),
      { numRuns: 80 },
    );
  }, 300_000);
});
