import { Bank, HISTORY_DAYS } from './bank.js';
import { dayToIso } from './dates.js';

describe('AccessBank sandbox books', () => {
  const make = (seed = 5): Bank => new Bank({ seed, size: 3000, anchorDate: '2026-06-30' });

  it('covers more than 13 months, with signed two-decimal minor units and consistent balances', () => {
    const bank = make();
    expect(HISTORY_DAYS).toBeGreaterThan(396);
    expect(dayToIso(bank.historyStartDay)).toBe('2025-05-27');
    for (const a of bank.catalog.accounts) {
      const booked = bank.bookedFor(a.index);
      let bal = a.openingMinor;
      for (let i = 0; i < booked.length; i++) {
        bal += booked[i]!.amount;
        expect(bank.balanceAt(a.index, i)).toBe(bal);
        expect(Number.isSafeInteger(booked[i]!.amount)).toBe(true);
      }
      expect(bank.balanceThrough(a.index, bank.todayDay)).toBe(bal);
    }
  });

  it('gives the same books however an advance is split', () => {
    const x = make();
    const y = make();
    x.advance(5);
    y.advance(2);
    y.advance(3);
    for (const a of x.catalog.accounts) {
      expect(y.bookedFor(a.index).map((e) => e.bookedId)).toEqual(
        x.bookedFor(a.index).map((e) => e.bookedId),
      );
      expect(y.pendingFor(a.index).map((e) => e.pendingId)).toEqual(
        x.pendingFor(a.index).map((e) => e.pendingId),
      );
    }
  });

  it('books a pending entry under a new id with the same entryReference', () => {
    const bank = make();
    const main = bank.catalog.accounts[0]!;
    const pending = bank.pendingFor(main.index).filter((e) => e.bookDay !== null);
    expect(pending.length).toBeGreaterThan(0);
    bank.advance(6);
    for (const e of pending) {
      expect(bank.isBooked(e)).toBe(true);
      expect(e.bookedId).not.toBe(e.pendingId);
      expect(bank.findBookedByReference(main.index, e.entryReference)).toBe(e);
    }
  });

  it('differs by seed', () => {
    expect(make(1).catalog.accounts[0]!.bban).not.toBe(make(2).catalog.accounts[0]!.bban);
  });
});
