import { isIsoDate, type IsoDate } from '#domain/dates.js';
import type { Transaction } from '#domain/transaction.js';
import { ProtocolViolation } from '../connector-errors.js';
import type { Checkpoint } from '../connector.js';
import { WireShapeError } from '../wire.js';
import { obpInstant, obpRequestDate } from './obp-values.js';
import type { ObpTransaction } from './obp.wire.js';

/**
 * Resumable paging of OBP transactions.
 *
 * The problem. OBP lists transactions newest first by `completed` (§1.6, `sort_direction`
 * default DESC) and pages only by `offset`, with no cursor, total or next link. A plain offset
 * walk drifts: each posting that arrives while we page (or while a crashed sync waits for its
 * retry) pushes every entry one position down, so the next page repeats one entry, and a
 * back-dated posting inserted above our position is never seen.
 *
 * The design: a FIXED lower bound and a SHRINKING upper bound, with the offset used only inside
 * one second.
 * - At the start of a stream the window is fixed: `from` = the requested `since` (or the epoch),
 *   `to` = the end of the second BEFORE now. New postings land after `to` and cannot move
 *   anything inside the window; the next sync picks them up (with its overlap).
 * - After each full page, let S be the second (OBP dates have second precision, §1.5) of the
 *   page's oldest entry. The next request asks for `to_date = S.999` with `offset = k`, where k is
 *   the number of entries of second S already delivered. Everything newer than S has been
 *   delivered and is now outside the window, so a posting back-dated into that range cannot shift
 *   our position; entries older than S are all still ahead of us. `.999` keeps the whole second S
 *   in the window in case the bank stores sub-second precision.
 * - OBP sorts by the completed date with no tie-breaker (LocalMappedConnector.scala:719-726), so
 *   the entries of second S may come back in another order. The next request therefore starts at
 *   offset 0 of second S: its entries already delivered (`seen`, up to {@link MAX_SEEN} ids) come
 *   again and are dropped by id, so a reordering of ties can neither skip nor repeat one. Only
 *   when one second holds more entries than a page is the offset used inside it.
 * - A page shorter than asked ends the stream only when the bank is known to honour the page
 *   size (it once returned a full page) or the page is shorter than the cap it showed before:
 *   an adapter that caps `limit` below what was asked would otherwise truncate history silently.
 *   Not knowing, the stream asks once more, and an empty page ends it.
 * - Behind a proxy that drops headers with underscores (nginx's default), the full-view endpoint
 *   loses its window and order; a page that breaks them switches the stream to the core endpoint,
 *   which reads the URL query (`ep: 'core'`).
 * The checkpoint after a page holds `(from, to, skip, seen)`, exactly the next request: a sync
 * killed after committing page n resumes with page n+1, no gap, no duplicate.
 *
 * The bank is also held to the window: an entry outside `[from, to]` or out of DESC order means
 * the paging parameters were ignored, which would otherwise loop or skip silently —
 * ProtocolViolation instead.
 */
export interface ObpCheckpoint {
  readonly v: 1 | 2;
  /** Inclusive lower bound of the window, fixed for the stream (OBP request date format). */
  readonly from: string;
  /** Inclusive upper bound of what is left: `…:ss.999Z`. */
  readonly to: string;
  /** Entries of the second of `to` already delivered (the offset of the next request). */
  readonly skip: number;
  /** Their ids (at most {@link MAX_SEEN}). */
  readonly seen: readonly string[];
  readonly done: boolean;
  /** The largest short page seen that was not the end: the bank's cap on `limit`, once known. */
  readonly cap: number | null;
  /**
   * How the stream pages: the full view with a shrinking window (`view`), the core endpoint with
   * the window in the query (`core`), or — where neither keeps its window (a header-stripping
   * proxy in front of a view-only grant) — the view by `limit` and `offset` alone (`offset`).
   */
  readonly ep: PagingMode;
  /** `offset` mode: the second the delivered entries of `seen` belong to. */
  readonly at?: string | null;
}

export type PagingMode = 'view' | 'core' | 'offset';

/** The bank returned entries outside the window or out of order: it ignored the paging parameters. */
export class PagingIgnored extends WireShapeError {}

/** Cap on remembered ids of one second; beyond it only the offset protects against repeats. */
export const MAX_SEEN = 1000;

const EPOCH = '1970-01-01T00:00:00.000Z';

/**
 * The checkpoint of a new stream. `since` is a booking date; in a zone east of UTC the local
 * midnight is the previous UTC day, so for zones other than UTC the window starts a day earlier
 * (re-reading a day costs nothing: rows are upserted by id).
 */
export function startCheckpoint(
  now: Date,
  since: IsoDate | null,
  timeZone: string,
  ep: PagingMode = 'view',
): ObpCheckpoint {
  let from = EPOCH;
  if (since !== null) {
    if (!isIsoDate(since)) throw new TypeError(`since must be YYYY-MM-DD, got ${JSON.stringify(since)}`);
    const midnight = Date.parse(`${since}T00:00:00.000Z`);
    from = obpRequestDate(timeZone === 'UTC' ? midnight : midnight - 86_400_000);
  }
  const to = obpRequestDate(Math.floor(now.getTime() / 1000) * 1000 - 1);
  return { v: 2, from, to, skip: 0, seen: [], done: false, cap: null, ep };
}

/** Validates a checkpoint read back from storage. */
export function readCheckpoint(value: Checkpoint): ObpCheckpoint {
  const { v, from, to, skip, seen, done } = value;
  const cap = value.cap ?? null;
  const ep = value.ep ?? 'view';
  const valid =
    (v === 1 || v === 2) &&
    (cap === null || (typeof cap === 'number' && Number.isSafeInteger(cap) && cap > 0)) &&
    (ep === 'view' || ep === 'core' || ep === 'offset') &&
    (value.at === undefined ||
      value.at === null ||
      (typeof value.at === 'string' && !Number.isNaN(Date.parse(value.at)))) &&
    typeof from === 'string' &&
    !Number.isNaN(Date.parse(from)) &&
    typeof to === 'string' &&
    to.endsWith('.999Z') &&
    !Number.isNaN(Date.parse(to)) &&
    typeof skip === 'number' &&
    Number.isSafeInteger(skip) &&
    skip >= 0 &&
    Array.isArray(seen) &&
    seen.every((id) => typeof id === 'string') &&
    typeof done === 'boolean';
  if (!valid) {
    throw new ProtocolViolation(
      'alif-mobi transactions: checkpoint not understood (from another connector version?)',
      {
        provider: 'alif-mobi',
        body: JSON.stringify(value),
      },
    );
  }
  return {
    v: 2,
    from,
    to,
    skip,
    seen: seen as string[],
    done,
    cap: cap as number | null,
    ep: ep as PagingMode,
    at: (value.at as string | null | undefined) ?? null,
  };
}

/** The checkpoint as stored JSON. */
export function toCheckpoint(cp: ObpCheckpoint): Checkpoint {
  return {
    v: cp.v,
    from: cp.from,
    to: cp.to,
    skip: cp.skip,
    seen: [...cp.seen],
    done: cp.done,
    cap: cp.cap,
    ep: cp.ep,
    at: cp.at ?? null,
  };
}

/** Result of one page: the entries to deliver and the checkpoint after them. */
export interface PageStep {
  readonly transactions: Transaction[];
  readonly next: ObpCheckpoint;
}

/**
 * Advances the checkpoint over one page returned for `cp` and maps its entries. `honoursLimit`:
 * the bank has returned a full page of `limit` before, so a shorter page is the end.
 *
 * @throws {PagingIgnored} when the page breaks the window or the order.
 * @throws {WireShapeError} from `map`.
 */
export function advance(
  cp: ObpCheckpoint,
  page: readonly ObpTransaction[],
  limit: number,
  map: (t: ObpTransaction, path: string) => Transaction,
  honoursLimit = false,
): PageStep {
  if (cp.ep === 'offset') return advanceByOffset(cp, page, limit, map, honoursLimit);
  const boundary = secondOf(Date.parse(cp.to));
  const { transactions, seconds: secondOfEntry } = scanPage(cp, page, map, boundary, 'window');
  const oldest = secondOfEntry.at(-1) ?? Number.POSITIVE_INFINITY;

  const full = page.length >= limit;
  const end = page.length === 0 || (!full && (honoursLimit || (cp.cap !== null && page.length < cp.cap)));
  if (end) return { transactions, next: { ...cp, done: true } };
  const cap = full ? cp.cap : Math.max(cp.cap ?? 0, page.length);

  const idsIn = (second: number) =>
    page
      .filter((_, i) => secondOfEntry[i] === second)
      .map((t) => t.id)
      .filter((id): id is string => id !== null);
  if (oldest === boundary) {
    // The whole page lies in the boundary second (more ties than a page): walk it by offset.
    if (transactions.length === 0 && cp.skip > 0) {
      // Only already-delivered entries came back at a later offset: the bank ignores `offset`.
      throw new PagingIgnored('$.transactions', 'a page honouring the offset', 'a repeat');
    }
    const ids = [...new Set([...cp.seen, ...idsIn(boundary)])];
    return {
      transactions,
      next: { ...cp, skip: cp.skip + page.length, seen: ids.length > MAX_SEEN ? [] : ids, cap },
    };
  }
  const ids = [...new Set(idsIn(oldest))];
  return {
    transactions,
    next: {
      ...cp,
      v: 2,
      to: obpRequestDate(oldest + 999),
      skip: 0,
      seen: ids.length > MAX_SEEN ? [] : ids,
      done: false,
      cap,
    },
  };
}

/**
 * `offset` mode: the bank keeps only `limit` and `offset`, newest first over the whole history.
 * The next request starts at the first entry of the page's oldest second (its entries delivered
 * are remembered and dropped when they come again), so ties reordered between requests cannot
 * be skipped; postings arriving on top shift the offsets down, which can only repeat an entry
 * (stored once: rows are upserted by id), never skip one. Entries after `to` are not delivered:
 * they came after the stream began, or were delivered before it fell back to offsets. The stream ends at the first entry
 * older than the window's start (an incremental sync stops there) or at the end of the history.
 */
function advanceByOffset(
  cp: ObpCheckpoint,
  page: readonly ObpTransaction[],
  limit: number,
  map: (t: ObpTransaction, path: string) => Transaction,
  honoursLimit: boolean,
): PageStep {
  const boundary = cp.at ? Date.parse(cp.at) : null;
  const { transactions, seconds, reachedStart } = scanPage(cp, page, map, boundary, 'filter');

  const full = page.length >= limit;
  const end =
    reachedStart ||
    page.length === 0 ||
    (!full && (honoursLimit || (cp.cap !== null && page.length < cp.cap)));
  if (end) return { transactions, next: { ...cp, done: true } };
  const cap = full ? cp.cap : Math.max(cp.cap ?? 0, page.length);
  const oldest = seconds.at(-1)!;
  const inOldest = seconds.filter((s) => s === oldest).length;
  const idsInOldest = page
    .filter((_, i) => seconds[i] === oldest)
    .map((t) => t.id)
    .filter((id): id is string => id !== null);
  const at = new Date(oldest).toISOString();
  if (inOldest === page.length) {
    // One second fills the page: walk it by offset.
    if (
      transactions.length === 0 &&
      oldest === boundary &&
      cp.skip > 0 &&
      idsInOldest.every((id) => cp.seen.includes(id))
    ) {
      throw new PagingIgnored('$.transactions', 'a page honouring the offset', 'a repeat');
    }
    const ids = [...new Set([...(oldest === boundary ? cp.seen : []), ...idsInOldest])];
    return {
      transactions,
      next: { ...cp, skip: cp.skip + page.length, seen: ids.length > MAX_SEEN ? [] : ids, at, cap },
    };
  }
  return {
    transactions,
    next: {
      ...cp,
      skip: cp.skip + page.length - inOldest,
      seen: idsInOldest.length > MAX_SEEN ? [] : idsInOldest,
      at,
      cap,
    },
  };
}

/**
 * Reads one page: each entry's completed second, newest first, mapped; the entries of the
 * `boundary` second delivered by an earlier page (`cp.seen`) and repeats within the page left out.
 * `window`: an entry outside `[from, to]` or out of order means the bank ignored the paging
 * parameters ({@link PagingIgnored}). `filter` (offset mode): entries after `to` are left out and
 * the first one before `from` ends the scan (`reachedStart`); order is still required.
 */
function scanPage(
  cp: ObpCheckpoint,
  page: readonly ObpTransaction[],
  map: (t: ObpTransaction, path: string) => Transaction,
  boundary: number | null,
  window: 'window' | 'filter',
): { transactions: Transaction[]; seconds: number[]; reachedStart: boolean } {
  const fromMs = Date.parse(cp.from);
  const toMs = Date.parse(cp.to);
  const seen = new Set(cp.seen);
  const delivered = new Set<string>();
  const transactions: Transaction[] = [];
  const seconds: number[] = [];
  let previous = Number.POSITIVE_INFINITY;
  let reachedStart = false;
  page.forEach((t, i) => {
    const path = `$.transactions[${i}]`;
    try {
      const completed = obpInstant(t.details?.completed ?? null, `${path}.details.completed`).ms;
      if (window === 'window' && (completed > toMs || completed < fromMs)) {
        throw new PagingIgnored(
          `${path}.details.completed`,
          `a date within the requested window [${cp.from}, ${cp.to}]`,
          t.details?.completed,
        );
      }
      if (completed > previous) {
        throw new PagingIgnored(
          `${path}.details.completed`,
          'entries sorted by completed date, newest first',
          t.details?.completed,
        );
      }
      previous = completed;
      seconds.push(secondOf(completed));
      if (completed < fromMs) {
        reachedStart = true;
        return;
      }
      // Newer than the stream's window: posted since it began (the next sync reads it), or
      // delivered already before the stream fell back to offsets.
      if (completed > toMs) return;
      const tx = map(t, path);
      if (seen.has(tx.providerTransactionId) && secondOf(completed) === boundary) return;
      if (delivered.has(tx.providerTransactionId)) return;
      delivered.add(tx.providerTransactionId);
      transactions.push(tx);
    } catch (err) {
      if (err instanceof WireShapeError && err.item === undefined) err.item = t;
      throw err;
    }
  });
  return { transactions, seconds, reachedStart };
}

function secondOf(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}
