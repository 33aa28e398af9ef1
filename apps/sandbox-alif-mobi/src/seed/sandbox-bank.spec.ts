import { KIND } from './ledger.js';
import { SandboxBank } from './sandbox-bank.js';

const opts = { seed: 42, size: 3_000, anchorDate: '2026-06-30' };

describe('SandboxBank', () => {
  const sut = new SandboxBank(opts);

  it('generates two years of history ending today', () => {
    expect(sut.today).toBe('2026-06-30');
    const all = sut.ledger.books.flatMap((b) => b.postings);
    expect(all.length).toBeGreaterThan(2_900);
    const first = Math.min(...all.map((p) => p.completed));
    expect(new Date(first * 1000).toISOString().slice(0, 10) >= '2024-07-01').toBe(true);
    expect(Math.max(...all.map((p) => p.completed))).toBeLessThanOrEqual(sut.nowSec);
  });

  it('is deterministic for a seed', () => {
    const again = new SandboxBank(opts);
    const pick = (b: SandboxBank) =>
      b.ledger.books.map((x) =>
        x.postings.map((p) => `${p.seq}:${p.amount}:${p.completed}:${p.balance}`).join(','),
      );
    expect(pick(again)).toEqual(pick(sut));
    expect(pick(new SandboxBank({ ...opts, seed: 43 }))).not.toEqual(pick(sut));
  });

  it('keeps books sorted by (completed, seq) with balances that chain from the opening balance', () => {
    for (const book of sut.ledger.books) {
      let balance = book.opening;
      for (let i = 0; i < book.postings.length; i++) {
        const p = book.postings[i]!;
        const prev = book.postings[i - 1];
        if (prev)
          expect(prev.completed < p.completed || (prev.completed === p.completed && prev.seq < p.seq)).toBe(
            true,
          );
        balance += p.amount;
        expect(p.balance).toBe(balance);
        expect(Number.isSafeInteger(p.amount)).toBe(true);
      }
      expect(book.balance).toBe(balance);
    }
  });

  it('never overdraws an account', () => {
    for (const book of sut.ledger.books)
      for (const p of book.postings) expect(p.balance).toBeGreaterThanOrEqual(0);
  });

  it('books own-account transfers twice with opposite signs', () => {
    const own = sut.ledger.bySeq.filter((p) => p.kind === KIND.OWN_TRANSFER);
    expect(own.length).toBeGreaterThan(10);
    for (let i = 0; i < own.length; i += 2) {
      const [debit, credit] = [own[i]!, own[i + 1]!];
      expect(credit.seq).toBe(debit.seq + 1);
      expect(credit.amount).toBe(-debit.amount);
      expect(credit.acc).toBe(debit.peer);
      expect(credit.completed).toBe(debit.completed);
    }
  });

  it('gives the same books whether the clock advances in one step or several', () => {
    const one = new SandboxBank(opts);
    const many = new SandboxBank(opts);
    one.advance(10);
    many.advance(3);
    many.advance(7);
    const sig = (b: SandboxBank) => b.ledger.books.map((x) => `${x.postings.length}:${x.balance}`);
    expect(sig(many)).toEqual(sig(one));
    expect(one.today).toBe('2026-07-10');
  });

  it('settles pending transfers when the clock passes them', () => {
    const b = new SandboxBank(opts);
    const pending = b.ledger.transfers.filter((t) => t.outcome === 'COMPLETED' && t.settleAt > b.nowSec);
    expect(pending.length).toBeGreaterThan(0);
    expect(pending.every((t) => ['PENDING', 'INITIATED'].includes(b.transferStatus(t)))).toBe(true);
    b.advance(7);
    expect(
      pending.every((t) => b.transferStatus(t) === 'COMPLETED' && b.ledger.bySeq[t.postingSeq]!.booked),
    ).toBe(true);
  });
});
