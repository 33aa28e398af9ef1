/** Why an amount or a currency was refused. A string union so callers can switch exhaustively. */
export type MoneyErrorCode =
  | 'malformed_amount'
  | 'surplus_precision'
  | 'exponent_form'
  | 'out_of_range'
  | 'unknown_currency'
  | 'currency_mismatch'
  | 'not_an_integer'
  | 'unsafe_integer'
  | 'invalid_rate';

/**
 * A refused amount, currency or arithmetic. Messages quote the offending input (amounts are not
 * secrets) but cut it to 40 characters so a hostile body cannot blow up a log line.
 */
export class MoneyError extends Error {
  override readonly name = 'MoneyError';

  constructor(
    readonly code: MoneyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Quotes untrusted input for an error message: JSON-escaped, at most 40 characters. */
export function quoteInput(input: unknown): string {
  const text = typeof input === 'string' ? input : String(input);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
