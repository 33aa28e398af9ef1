import type { StatementLineRow } from '#persistence/repositories/statement-query.repository.js';
import type { StatementResponse } from './statement.dto.js';

export const STATEMENT_CSV_COLUMNS = [
  'date',
  'transaction_id',
  'provider_transaction_id',
  'type',
  'description',
  'counterparty',
  'amount',
  'currency',
  'balance_after',
] as const;

/**
 * Cells a spreadsheet would run as a formula (OWASP "CSV Injection"): a leading `=`, `+`, `-`,
 * `@`, tab or carriage return. Every text cell is guarded; amount cells that are plain decimals
 * are not (a guard would turn `-120.50` into text), and anything else in them is text.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One RFC 4180 field: quoted when it holds a comma, a semicolon, a quote or a line break. The
 * semicolon is quoted too because spreadsheets in locales with a decimal comma split on `;`: the
 * same file then opens with the same columns everywhere.
 */
export function csvField(value: string): string {
  return /[",;\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A plain decimal, as Hisob writes amounts (`-120.50`): a number for the spreadsheet, unguarded. */
const DECIMAL = /^-?\d{1,30}(?:\.\d{1,30})?$/;

/** An amount cell: a plain decimal stays a number; anything else is treated as text. */
export function csvNumber(value: string | null): string {
  if (value === null) return '';
  return DECIMAL.test(value) ? value : csvText(value);
}

/** A field of bank-supplied text: formula guard (a leading `'`), then RFC 4180 quoting. */
export function csvText(value: string | null): string {
  if (value === null) return '';
  return csvField(FORMULA_START.test(value) ? `'${value}` : value);
}

const line = (fields: string[]): string => `${fields.join(',')}\r\n`;

export function csvHeader(): string {
  return line([...STATEMENT_CSV_COLUMNS]);
}

export function csvTransactionLine(t: StatementLineRow): string {
  return line([
    t.date,
    t.id,
    csvText(t.providerTransactionId),
    csvText(t.type),
    csvText(t.description),
    csvText(t.counterpartyName),
    csvNumber(t.amount),
    csvText(t.currency),
    csvNumber(t.balanceAfter),
  ]);
}

/**
 * The totals after the transactions, one per row, in the same nine columns (RFC 4180: every record
 * has the same number of fields): the label in `date`, the figure in `amount` and, for money, the
 * currency in `currency`. A balance Hisob does not know yet is an empty field.
 */
export function csvTotals(s: StatementResponse): string {
  const money = (label: string, amount: string | null) =>
    line([label, '', '', '', '', '', csvNumber(amount), csvText(s.currency), '']);
  return (
    money('opening_balance', s.opening_balance) +
    money('total_credits', s.total_credits) +
    money('total_debits', s.total_debits) +
    money('closing_balance', s.closing_balance) +
    line(['transaction_count', '', '', '', '', '', String(s.transaction_count), '', ''])
  );
}

/** The whole file as chunks: header, one chunk per batch of transactions, then the totals. */
export async function* statementCsv(
  s: StatementResponse,
  batches: AsyncIterable<StatementLineRow[]>,
): AsyncGenerator<string> {
  yield csvHeader();
  for await (const batch of batches) {
    let chunk = '';
    for (const t of batch) chunk += csvTransactionLine(t);
    yield chunk;
  }
  yield csvTotals(s);
}

/**
 * Content negotiation for the statement: CSV when the client ranks `text/csv` above JSON, JSON
 * otherwise (no Accept header, `*\/*`, or anything else Hisob does not produce). Equal weights go
 * to whichever the client listed first.
 */
export function prefersCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  let best = { csv: false, q: 0 };
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part
      .trim()
      .toLowerCase()
      .split(';')
      .map((p) => p.trim());
    const weight = params.find((p) => p.startsWith('q='));
    // A quality value is 0–1 with at most 3 decimals (RFC 9110 §12.4.2); not money.
    const q = weight ? Number(weight.slice(2)) : 1;
    if (!(q > best.q)) continue;
    if (range === 'text/csv' || range === 'text/*') best = { csv: true, q };
    else if (range === 'application/json' || range === 'application/*' || range === '*/*')
      best = { csv: false, q };
  }
  return best.csv;
}
