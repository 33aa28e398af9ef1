import { ProtocolViolation } from '../connector-errors.js';
import type { Checkpoint } from '../connector.js';
import { WireShapeError } from '../wire.js';
import { generateHistory, type FixtureTransaction } from './fixtures/fixtures.js';
import { mapTransaction } from './map-transaction.js';
import { advance, readCheckpoint, startCheckpoint, toCheckpoint, type ObpCheckpoint } from './obp-paging.js';
import { parseTransaction, type ObpTransaction } from './obp.wire.js';

const NOW = new Date('2026-03-02T00:00:00.400Z');
const LIMIT = 5;

function wire(t: FixtureTransaction): ObpTransaction {
  return parseTransaction(
    {
      id: t.id,
      details: {
        type: 'CARD',
        description: t.description,
        completed: t.completed,
        value: { currency: 'TJS', amount: t.amount },
      },
    },
    '$',
  );
}

/** OBP's list semantics: completed within [from, to], DESC, ties in insertion order, offset/limit. */
function bankPage(
  history: readonly FixtureTransaction[],
  cp: ObpCheckpoint,
  limit = LIMIT,
): ObpTransaction[] {
  const from = Date.parse(cp.from);
  const to = Date.parse(cp.to);
  return history
    .map((t, index) => ({ t, index, ms: Date.parse(t.completed) }))
    .filter((e) => e.ms >= from && e.ms <= to)
    .sort((a, b) => b.ms - a.ms || a.index - b.index)
    .slice(cp.skip, cp.skip + limit)
    .map((e) => wire(e.t));
}

const map = (t: ObpTransaction, path: string) => mapTransaction(t, path, { timeZone: 'UTC' });

/** Walks from `cp` to the end; `between` runs after each page (to change the bank's data). */
function walk(history: FixtureTransaction[], cp: ObpCheckpoint, between: (page: number) => void = () => {}) {
  const pages: string[][] = [];
  const checkpoints: Checkpoint[] = [];
  for (let page = 0; !cp.done; page++) {
    const step = advance(cp, bankPage(history, cp), LIMIT, map);
    pages.push(step.transactions.map((t) => t.providerTransactionId));
    // Through JSON, as the sync engine stores it.
    cp = readCheckpoint(JSON.parse(JSON.stringify(toCheckpoint(step.next))) as Checkpoint);
    checkpoints.push(toCheckpoint(cp));
    between(page);
  }
  return { ids: pages.flat(), pages, checkpoints };
}

const idsNewestFirst = (history: readonly FixtureTransaction[]) =>
  history
    .map((t, index) => ({ t, index }))
    .sort((a, b) => Date.parse(b.t.completed) - Date.parse(a.t.completed) || a.index - b.index)
    .map((e) => e.t.id);

describe('OBP transaction paging', () => {
  it('starts with a window ending at the last full second before now', () => {
    expect(startCheckpoint(NOW, null, 'UTC')).toEqual({
      v: 2,
      from: '1970-01-01T00:00:00.000Z',
      to: '2026-03-01T23:59:59.999Z',
      skip: 0,
      seen: [],
      done: false,
      cap: null,
      ep: 'view',
    });
    expect(startCheckpoint(NOW, '2026-02-01', 'UTC').from).toBe('2026-02-01T00:00:00.000Z');
    expect(startCheckpoint(NOW, '2026-02-01', 'Asia/Dushanbe').from).toBe('2026-01-31T00:00:00.000Z');
    expect(() => startCheckpoint(NOW, '01.02.2026', 'UTC')).toThrow(TypeError);
  });

  it('delivers every entry once, newest first, with ties of one second split across pages', () => {
    const history = generateHistory(23);
    const { ids } = walk(history, startCheckpoint(NOW, null, 'UTC'));
    expect(ids).toEqual(idsNewestFirst(history));
  });

  it('starts each next page at offset 0 of the boundary second, its delivered ids remembered', () => {
    const history = generateHistory(23);
    const { checkpoints } = walk(history, startCheckpoint(NOW, null, 'UTC'));
    // OBP orders ties in one second arbitrarily: re-reading the boundary second from its start and
    // dropping the ids already delivered can neither skip nor repeat one.
    for (const cp of checkpoints.slice(0, 3)) {
      expect(cp.skip).toBe(0);
      expect((cp.seen as string[]).length).toBeGreaterThan(0);
    }
  });

  it('delivers everything exactly once when the bank reorders the ties of a second between requests', () => {
    const history = generateHistory(23);
    let flip = false;
    const { ids } = walk(history, startCheckpoint(NOW, null, 'UTC'), () => {
      // Reverse the order of entries sharing a second, as OBP's sort without a tie-breaker may.
      flip = !flip;
      history.sort(
        (a, b) =>
          Date.parse(b.completed) - Date.parse(a.completed) || a.id.localeCompare(b.id) * (flip ? -1 : 1),
      );
    });
    expect([...ids].sort()).toEqual(idsNewestFirst(generateHistory(23)).sort());
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('resumes from any checkpoint with exactly the rest: no gap, no duplicate', () => {
    const history = generateHistory(23);
    const { pages, checkpoints } = walk(history, startCheckpoint(NOW, null, 'UTC'));
    expect(pages.length).toBeGreaterThan(3);
    for (const [i, cp] of checkpoints.entries()) {
      expect(walk(history, readCheckpoint(cp)).ids).toEqual(pages.slice(i + 1).flat());
    }
  });

  it('is not shifted by new postings arriving while it pages', () => {
    const history = generateHistory(23);
    const expected = idsNewestFirst(history);
    const { ids } = walk(history, startCheckpoint(NOW, null, 'UTC'), (page) => {
      history.push({
        id: `new-${page}`,
        completed: '2026-03-01T23:59:59Z',
        amount: '-1',
        description: 'late',
      });
      history.push({
        id: `newer-${page}`,
        completed: '2026-03-02T00:00:00Z',
        amount: '-1',
        description: 'after start',
      });
    });
    // Entries of the current second are outside the window: the next sync reads them.
    expect(ids.filter((id) => !id.startsWith('new'))).toEqual(expected);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('still delivers a back-dated posting older than its position, without repeating anything', () => {
    const history = generateHistory(23);
    const { ids } = walk(history, startCheckpoint(NOW, null, 'UTC'), (page) => {
      if (page === 0)
        history.push({
          id: 'backdated',
          completed: '2026-02-28T10:00:00Z',
          amount: '-7',
          description: 'late posting',
        });
    });
    expect(ids).toContain('backdated');
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('walks a second holding more entries than a page by offset within it', () => {
    const burst: FixtureTransaction[] = Array.from({ length: 12 }, (_, i) => ({
      id: `eod-${i}`,
      completed: '2026-02-28T00:00:00Z',
      amount: '-1',
      description: `batch ${i}`,
    }));
    const history = [...generateHistory(4), ...burst];
    const { ids, checkpoints } = walk(history, startCheckpoint(NOW, null, 'UTC'));
    expect(ids).toEqual(idsNewestFirst(history));
    expect(checkpoints.map((c) => [c.to, c.skip])).toEqual([
      ['2026-02-28T00:00:00.999Z', 0],
      ['2026-02-28T00:00:00.999Z', 5],
      ['2026-02-28T00:00:00.999Z', 10],
      ['2026-02-28T00:00:00.999Z', 12],
      ['2026-02-28T00:00:00.999Z', 12],
    ]);
  });

  it('does not take a short page for the end when the bank may cap the page size', () => {
    const history = generateHistory(23);
    const capped = (cp: ObpCheckpoint) => bankPage(history, cp).slice(0, 3); // the bank serves 3 of 5
    let cp = startCheckpoint(NOW, null, 'UTC');
    const ids: string[] = [];
    for (let i = 0; !cp.done && i < 100; i++) {
      const step = advance(cp, capped(cp), LIMIT, map);
      ids.push(...step.transactions.map((t) => t.providerTransactionId));
      cp = step.next;
    }
    expect(cp.cap).toBe(3);
    expect(ids).toEqual(idsNewestFirst(history));
  });

  it('ends on a short page once the bank has shown it honours the page size', () => {
    const step = advance(startCheckpoint(NOW, null, 'UTC'), generateHistory(3).map(wire), LIMIT, map, true);
    expect(step.next.done).toBe(true);
    expect(
      advance(startCheckpoint(NOW, null, 'UTC'), generateHistory(3).map(wire), LIMIT, map).next.done,
    ).toBe(false);
  });

  it('ends on a short page, and on an empty page after a full one', () => {
    const exact = generateHistory(10);
    const { checkpoints } = walk(exact, startCheckpoint(NOW, null, 'UTC'));
    expect(checkpoints.at(-1)?.done).toBe(true);
    const step = advance(startCheckpoint(NOW, null, 'UTC'), [], LIMIT, map);
    expect(step).toMatchObject({ transactions: [], next: { done: true } });
  });

  it('drops an entry the bank returns again after reordering ties', () => {
    const history = generateHistory(6);
    const first = advance(
      startCheckpoint(NOW, null, 'UTC'),
      bankPage(history, startCheckpoint(NOW, null, 'UTC')),
      LIMIT,
      map,
    );
    const boundaryIds = first.next.seen;
    expect(boundaryIds.length).toBeGreaterThan(0);
    const repeated = [...bankPage(history, first.next)];
    repeated.unshift(wire(history.find((t) => t.id === boundaryIds[0])!));
    const second = advance(first.next, repeated, LIMIT, map);
    expect(second.transactions.map((t) => t.providerTransactionId)).not.toContain(boundaryIds[0]);
  });

  it('refuses a bank that ignores the window', () => {
    const cp: ObpCheckpoint = { ...startCheckpoint(NOW, null, 'UTC'), to: '2026-02-01T00:00:00.999Z' };
    const page = generateHistory(3).map(wire); // all on 2026-03-01
    expect(() => advance(cp, page, LIMIT, map)).toThrow(WireShapeError);
  });

  it('refuses a page not sorted newest first', () => {
    const page = generateHistory(6).map(wire).reverse();
    expect(() => advance(startCheckpoint(NOW, null, 'UTC'), page, LIMIT, map)).toThrow(/newest first/);
  });

  it('refuses a bank that ignores the offset instead of looping forever', () => {
    const burst: FixtureTransaction[] = Array.from({ length: 12 }, (_, i) => ({
      id: `eod-${i}`,
      completed: '2026-02-28T00:00:00Z',
      amount: '-1',
      description: 'batch',
    }));
    let cp = startCheckpoint(NOW, null, 'UTC');
    const firstPage = bankPage(burst, cp);
    cp = advance(cp, firstPage, LIMIT, map).next; // a new boundary second, re-read from offset 0
    cp = advance(cp, firstPage, LIMIT, map).next; // all delivered: walk the second by offset
    expect(cp.skip).toBe(LIMIT);
    expect(() => advance(cp, firstPage, LIMIT, map)).toThrow(/offset/);
  });

  it('attaches the offending entry to a mapping error', () => {
    const bad = parseTransaction(
      {
        id: 'x',
        details: { completed: '2026-03-01T00:00:00Z', value: { currency: 'TJS', amount: '1.001' } },
      },
      '$',
    );
    try {
      advance(startCheckpoint(NOW, null, 'UTC'), [bad], LIMIT, map);
      throw new Error('expected a WireShapeError');
    } catch (err) {
      expect(err).toBeInstanceOf(WireShapeError);
      expect((err as WireShapeError).item).toBe(bad);
    }
  });

  it.each([
    {},
    {
      v: 3,
      from: '1970-01-01T00:00:00.000Z',
      to: '2026-01-01T00:00:00.999Z',
      skip: 0,
      seen: [],
      done: false,
    },
    { v: 1, from: 'yesterday', to: '2026-01-01T00:00:00.999Z', skip: 0, seen: [], done: false },
    {
      v: 1,
      from: '1970-01-01T00:00:00.000Z',
      to: '2026-01-01T00:00:00.000Z',
      skip: 0,
      seen: [],
      done: false,
    },
    {
      v: 1,
      from: '1970-01-01T00:00:00.000Z',
      to: '2026-01-01T00:00:00.999Z',
      skip: -1,
      seen: [],
      done: false,
    },
    {
      v: 1,
      from: '1970-01-01T00:00:00.000Z',
      to: '2026-01-01T00:00:00.999Z',
      skip: 0,
      seen: [1],
      done: false,
    },
  ])('refuses checkpoint %j', (cp) => {
    expect(() => readCheckpoint(cp as Checkpoint)).toThrow(ProtocolViolation);
  });
});
