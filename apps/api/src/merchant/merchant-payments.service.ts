import { Injectable } from '@nestjs/common';
import { HisobError } from '#common/http/problem.js';
import { addDays } from '#domain/dates.js';
import { Money } from '#domain/money.js';
import { BepaidRepository, MATCH_WINDOW } from '#persistence/repositories/bepaid.repository.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { checkDateRange, DEFAULT_LIMIT } from '../data/data-query.dto.js';
import { decodeCursor, encodeCursor } from '../infra/cursor.js';
import { isKeyTimestamp } from '../infra/edge-values.js';
import { keysetPage } from '../infra/keyset-page.js';
import type { PaymentsQueryDto, ReconciliationQueryDto } from './merchant.dto.js';
import { matchPayments } from './reconciliation.js';
import { toPaymentResponse } from './to-payment-response.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Days of one reconciliation summary at most. */
export const MAX_SUMMARY_DAYS = 366;

/**
 * Reads of the merchant's payments, with their reconciliation against the credits of the
 * merchant's own Alif Mobi accounts computed on read from the stored data (reconciliation.ts):
 * the result depends only on what is stored, never on the order things arrived in, and a later
 * sync that books the credit simply shows the match at the next read.
 */
@Injectable()
export class MerchantPaymentsService {
  constructor(private readonly repo: BepaidRepository) {}

  async list(client: AuthenticatedClient, q: PaymentsQueryDto) {
    checkDateRange(q.from_date, q.to_date);
    let before: { createdAtKey: string; id: string } | undefined;
    if (q.cursor) {
      const c = decodeCursor(q.cursor, ['at', 'id'] as const);
      if (!isKeyTimestamp(c.at) || !UUID.test(c.id))
        throw HisobError.validation(
          [{ field: 'cursor', message: 'cursor is not valid' }],
          'The cursor is not valid',
        );
      before = { createdAtKey: c.at, id: c.id };
    }
    const limit = q.limit ?? DEFAULT_LIMIT;
    const rows = await this.repo.listPayments({
      clientId: client.id,
      fromDate: q.from_date,
      toDate: q.to_date,
      status: q.status,
      before,
      limit: limit + 1,
    });
    const { page, nextCursor } = keysetPage(rows, limit, (last) =>
      encodeCursor({ at: last.createdAtKey, id: last.id }),
    );
    const ids = page.map((p) => p.id);
    const [notifications, candidates] = await Promise.all([
      this.repo.notificationsOf(ids),
      this.repo.candidates(
        client.id,
        page.filter((p) => p.status === 'successful').map((p) => p.id),
      ),
    ]);
    const matches = matchPayments(page, candidates);
    return {
      payments: page.map((p) =>
        toPaymentResponse(
          p,
          notifications.filter((n) => n.paymentId === p.id),
          matches.get(p.id)!,
        ),
      ),
      next_cursor: nextCursor,
    };
  }

  /**
   * Per day and currency: successful payments paid that day (matched, ambiguous, unmatched) and
   * the Alif Mobi credits booked that day that no payment matched.
   */
  async summary(client: AuthenticatedClient, q: ReconciliationQueryDto) {
    checkDateRange(q.from_date, q.to_date);
    if (addDays(q.from_date, MAX_SUMMARY_DAYS - 1) < q.to_date)
      throw HisobError.validation([{ field: 'to_date', message: `at most ${MAX_SUMMARY_DAYS} days` }]);
    // A credit booked on day d can be paid by a payment paid from d - daysAfter to d + daysBefore.
    const payments = await this.repo.paidBetween(
      client.id,
      addDays(q.from_date, -MAX_WINDOW.daysAfter),
      addDays(q.to_date, MAX_WINDOW.daysBefore),
    );
    const [candidates, credits] = await Promise.all([
      this.repo.candidates(
        client.id,
        payments.map((p) => p.id),
      ),
      this.repo.creditsBetween(client.id, q.from_date, q.to_date),
    ]);
    const matches = matchPayments(payments, candidates);
    const matchedCredits = new Set<string>();
    for (const m of matches.values()) if (m.status === 'matched') matchedCredits.add(m.transactionIds[0]!);

    type Bucket = 'paid' | 'matched' | 'ambiguous' | 'unmatched_payments' | 'unmatched_credits';
    const days = new Map<
      string,
      Record<Bucket, { count: number; amount: Money }> & { date: string; currency: string }
    >();
    const bucket = (date: string, currency: string) => {
      const key = `${date}|${currency}`;
      let d = days.get(key);
      if (!d) {
        const zero = () => ({ count: 0, amount: Money.zero(currency) });
        d = {
          date,
          currency,
          paid: zero(),
          matched: zero(),
          ambiguous: zero(),
          unmatched_payments: zero(),
          unmatched_credits: zero(),
        };
        days.set(key, d);
      }
      return d;
    };
    const add = (d: ReturnType<typeof bucket>, b: Bucket, amount: Money) => {
      d[b].count++;
      d[b].amount = d[b].amount.add(amount);
    };
    for (const p of payments) {
      if (!p.paidDate || p.paidDate < q.from_date || p.paidDate > q.to_date) continue;
      const d = bucket(p.paidDate, p.currency);
      const amount = Money.parse(p.amount, p.currency);
      add(d, 'paid', amount);
      const m = matches.get(p.id)!;
      add(
        d,
        m.status === 'matched' ? 'matched' : m.status === 'ambiguous' ? 'ambiguous' : 'unmatched_payments',
        amount,
      );
    }
    for (const c of credits) {
      if (matchedCredits.has(c.id)) continue;
      add(bucket(c.bookingDate, c.currency), 'unmatched_credits', Money.parse(c.amount, c.currency));
    }
    const out = (x: { count: number; amount: Money }) => ({ count: x.count, amount: x.amount.toString() });
    return {
      from_date: q.from_date,
      to_date: q.to_date,
      days: [...days.values()]
        .sort((a, b) => (a.date === b.date ? a.currency.localeCompare(b.currency) : a.date < b.date ? -1 : 1))
        .map((d) => ({
          date: d.date,
          currency: d.currency,
          paid: out(d.paid),
          matched: out(d.matched),
          ambiguous: out(d.ambiguous),
          unmatched_payments: out(d.unmatched_payments),
          unmatched_credits: out(d.unmatched_credits),
        })),
    };
  }
}

const MAX_WINDOW = MATCH_WINDOW;
