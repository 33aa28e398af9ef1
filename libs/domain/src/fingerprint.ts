import { createHash } from 'node:crypto';
import type { IsoDate } from './dates.js';
import type { Money } from './money.js';

/**
 * Transaction identity for providers without stable ids (architecture.md, "Sync engine":
 * date, amount, counterparty, description, occurrence number among equal fingerprints).
 *
 * Two genuine identical charges (two 5.00 TJS coffees on the same day at the same shop) have the
 * same fingerprint; the occurrence number keeps them two (`…:0`, `…:1`). A re-read of the same
 * window yields the same multiset of fingerprints, hence the same ids, hence no doubling.
 */
export interface FingerprintInput {
  readonly bookingDate: IsoDate;
  readonly amount: Money;
  readonly counterparty: string | null;
  readonly description: string | null;
}

/**
 * Normalises free text so cosmetic differences between two reads of the same entry (Unicode
 * composition, case, runs of whitespace) do not change the fingerprint.
 */
export function normaliseFingerprintText(text: string | null): string {
  if (text === null) return '';
  return text.normalize('NFKC').replace(/\s+/gu, ' ').trim().toLowerCase();
}

/**
 * SHA-256 (hex) over the normalised (booking date, amount at full scale, currency, counterparty,
 * description). The fields are JSON-encoded as an array, so no separator inside a field can
 * make two different tuples hash alike.
 */
export function transactionFingerprint(input: FingerprintInput): string {
  const canonical = JSON.stringify([
    'v1',
    input.bookingDate,
    input.amount.toString(),
    input.amount.currency,
    normaliseFingerprintText(input.counterparty),
    normaliseFingerprintText(input.description),
  ]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/** The provider transaction id for the `occurrence`-th entry with this fingerprint. */
export function fingerprintId(fingerprint: string, occurrence: number): string {
  return `fp1:${fingerprint}:${occurrence}`;
}

/**
 * Counts fingerprints seen so far. Its snapshot goes into a sync checkpoint when a window is
 * read in several pages, so an entry equal to one on an earlier page still gets the next
 * number after a resume.
 */
export class OccurrenceCounter {
  private readonly counts: Map<string, number>;

  constructor(snapshot: Readonly<Record<string, number>> = {}) {
    this.counts = new Map(Object.entries(snapshot));
  }

  /** The occurrence number for one more entry with `fingerprint`: 0, then 1, 2, … */
  next(fingerprint: string): number {
    const n = this.counts.get(fingerprint) ?? 0;
    this.counts.set(fingerprint, n + 1);
    return n;
  }

  /** A JSON-safe copy of the counts, for a checkpoint. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}

/** An item with its fingerprint, occurrence number and resulting id. */
export interface Fingerprinted<T> {
  readonly item: T;
  readonly fingerprint: string;
  readonly occurrence: number;
  readonly id: string;
}

/**
 * Assigns occurrence numbers among equal fingerprints of one page or window.
 *
 * Order: within one fingerprint, by `tiebreak(item)` (e.g. a time of day or a running balance,
 * fields outside the fingerprint) and then by position in `items`. Entries that share a
 * fingerprint are identical in every fingerprinted field, so which of them gets 0 and which 1
 * does not change the set of ids; the tiebreak only keeps the extra fields attached to the same
 * id across reads when the bank reorders.
 *
 * The window must hold every entry of each booking date it covers (or carry `counter` across
 * pages through the checkpoint); counting restarted in the middle of a date would give the second
 * of two identical charges number 0 again and merge it with the first.
 *
 * @returns one entry per item, in the order of `items`.
 */
export function assignOccurrences<T>(
  items: readonly T[],
  toInput: (item: T) => FingerprintInput,
  options: { readonly counter?: OccurrenceCounter; readonly tiebreak?: (item: T) => string } = {},
): Fingerprinted<T>[] {
  const counter = options.counter ?? new OccurrenceCounter();
  const tiebreak = options.tiebreak ?? (() => '');
  const keyed = items.map((item, index) => ({
    item,
    index,
    fingerprint: transactionFingerprint(toInput(item)),
    tie: tiebreak(item),
  }));
  const ordered = [...keyed].sort(
    (a, b) =>
      compareStrings(a.fingerprint, b.fingerprint) || compareStrings(a.tie, b.tie) || a.index - b.index,
  );
  const result = new Array<Fingerprinted<T>>(items.length);
  for (const k of ordered) {
    const occurrence = counter.next(k.fingerprint);
    result[k.index] = {
      item: k.item,
      fingerprint: k.fingerprint,
      occurrence,
      id: fingerprintId(k.fingerprint, occurrence),
    };
  }
  return result;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
