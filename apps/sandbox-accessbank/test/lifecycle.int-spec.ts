import type { RunningSandbox } from '../src/main.js';
import { PSU_IP, allPages, control, startSandbox, users, validConsent, xs2a } from './helpers.js';

interface PendingView {
  transaction_id: string;
  entry_reference: string | null;
  fate: 'books' | 'vanishes';
  books_on: string | null;
  booked_transaction_id: string | null;
  booked_entry_reference: string | null;
  vanishes_on: string | null;
}

describe('AccessBank sandbox: pending entries book under a new id, or vanish', () => {
  let sb: RunningSandbox;
  let consentId: string;
  let account: string;

  beforeAll(async () => {
    sb = await startSandbox();
    account = (await users(sb)).find((u) => u.psu_id === 'zarina')!.accounts[0]!.account_id;
    consentId = await validConsent(sb, undefined);
  });
  afterAll(() => sb.close());

  async function report(dateFrom: string): Promise<{ booked: any[]; pending: any[] }> {
    const pages = await allPages(
      sb,
      `/v1/accounts/${account}/transactions?bookingStatus=both&dateFrom=${dateFrom}`,
      consentId,
      PSU_IP,
    );
    return {
      booked: pages.flatMap((p) => p.transactions.booked),
      pending: pages.flatMap((p) => p.transactions.pending),
    };
  }

  it('shows every pending behaviour on a fresh sandbox', async () => {
    const { pending } = (await control<{ pending: PendingView[] }>(sb, 'GET', `/accounts/${account}/pending`))
      .body;
    expect(pending.some((p) => p.fate === 'books' && p.entry_reference !== null)).toBe(true);
    expect(pending.some((p) => p.fate === 'vanishes')).toBe(true);
    expect(pending.some((p) => p.entry_reference === null)).toBe(true);
    const { pending: wire } = await report('2026-06-20');
    expect(wire.map((t) => t.transactionId).sort()).toEqual(pending.map((p) => p.transaction_id).sort());
    const noRef = wire.filter((t) => t.entryReference === undefined);
    expect(noRef.length).toBe(pending.filter((p) => p.entry_reference === null).length);
  });

  it('after advance, a pending entry books with a NEW transactionId and the SAME entryReference; released ones vanish', async () => {
    const { pending } = (await control<{ pending: PendingView[] }>(sb, 'GET', `/accounts/${account}/pending`))
      .body;
    const before = await report('2026-06-20');
    const advanced = await control(sb, 'POST', '/advance', { days: 3 });
    expect(advanced.body.today).toBe('2026-07-03');
    const after = await report('2026-06-20');
    const bookedById = new Map(after.booked.map((t) => [t.transactionId, t]));
    const bookedByRef = new Map(after.booked.map((t) => [t.entryReference, t]));
    const pendingIds = new Set(after.pending.map((t) => t.transactionId));

    const books = pending.filter((p) => p.fate === 'books' && p.books_on! <= '2026-07-03');
    const vanishes = pending.filter((p) => p.fate === 'vanishes' && p.vanishes_on! <= '2026-07-03');
    expect(books.length).toBeGreaterThan(0);
    expect(vanishes.length).toBeGreaterThan(0);
    for (const p of books) {
      const wireBefore = before.pending.find((t) => t.transactionId === p.transaction_id)!;
      expect(pendingIds.has(p.transaction_id)).toBe(false);
      expect(bookedById.has(p.transaction_id)).toBe(false);
      const booked = bookedById.get(p.booked_transaction_id!);
      expect(booked).toBeDefined();
      expect(booked.transactionId).not.toBe(p.transaction_id);
      expect(booked.entryReference).toBe(p.booked_entry_reference);
      if (p.entry_reference !== null) expect(booked.entryReference).toBe(wireBefore.entryReference);
      else expect(wireBefore.entryReference).toBeUndefined();
      expect(booked.transactionAmount).toEqual(wireBefore.transactionAmount);
      expect(booked.bookingDate).toBe(p.books_on);
    }
    for (const p of vanishes) {
      expect(pendingIds.has(p.transaction_id)).toBe(false);
      if (p.entry_reference !== null) expect(bookedByRef.has(p.entry_reference)).toBe(false);
    }
    // The old pending id is gone from the details endpoint too; the booked one is served.
    const gone = await xs2a(sb, 'GET', `/v1/accounts/${account}/transactions/${books[0]!.transaction_id}`, {
      consentId,
      psuIp: PSU_IP,
    });
    expect(gone.status).toBe(403);
    const found = await xs2a(
      sb,
      'GET',
      `/v1/accounts/${account}/transactions/${books[0]!.booked_transaction_id}`,
      {
        consentId,
        psuIp: PSU_IP,
      },
    );
    expect(found.status).toBe(200);
  });

  it('a next link pins dateTo, so paging across a new bank day keeps its pages', async () => {
    const first = await xs2a(
      sb,
      'GET',
      `/v1/accounts/${account}/transactions?bookingStatus=booked&dateFrom=2025-06-01`,
      {
        consentId,
        psuIp: PSU_IP,
      },
    );
    const next = first.body.transactions._links.next.href as string;
    expect(next).toContain('dateTo=2026-07-03');
    const page2 = await xs2a(sb, 'GET', next, { consentId, psuIp: PSU_IP });
    await control(sb, 'POST', '/advance', { days: 1 });
    const again = await xs2a(sb, 'GET', next, { consentId, psuIp: PSU_IP });
    expect(again.body).toEqual(page2.body);
  });
});
