import { Decimal } from 'decimal.js';
import { currencyExponent, isCurrencyCode, type CurrencyCode } from './currency.js';
import { MoneyError, quoteInput } from './money-errors.js';

/**
 * Largest magnitude Hisob holds, in major units (exclusive): 10^18, i.e. 18 integer digits (STYLE
 * §6.4). The persistence layer stores unconstrained `numeric`, which keeps the scale each value
 * is written with — the currency's, since only {@link Money.toString} is written — so a
 * 3-decimal currency (KWD, BHD, OMR…) is never rounded; refusing bigger values here turns a bank
 * sending nonsense into a typed error at the edge.
 */
const MAX_INTEGER_DIGITS = 18;

/** Longest exponent (`E+…`) we evaluate; beyond it the value is out of range anyway. */
const MAX_EXPONENT_DIGITS = 6;

const POW10: bigint[] = [];
function pow10(n: number): bigint {
  return (POW10[n] ??= 10n ** BigInt(n));
}

/**
 * Resolves a wire currency string to a known {@link CurrencyCode}.
 *
 * @throws {MoneyError} `unknown_currency` when the code is not in the exponent table.
 */
export function parseCurrencyCode(code: unknown): CurrencyCode {
  if (!isCurrencyCode(code)) {
    throw new MoneyError('unknown_currency', `unknown currency ${quoteInput(code)}`);
  }
  return code;
}

/**
 * An exact amount of one currency, held as an integer count of minor units.
 *
 * Canonical amount representation of Hisob's domain model: every amount in `Account`,
 * `Balance`, `Transaction`, … is a `Money`, never a float and never a bare string. Wire strings
 * are parsed once at the edge ({@link Money.parse}, {@link parseBankAmount},
 * {@link Money.fromJsonNumber}); persistence writes {@link Money.toString} into `numeric`
 * and the currency into `char(3)`; `JSON.stringify` yields the API shape
 * `{"amount":"-120.50","currency":"TJS"}` (see {@link Money.toJSON}).
 *
 * Instances are frozen; arithmetic returns new instances and refuses to mix currencies.
 */
export class Money {
  private constructor(
    /** Signed amount in minor units (diram for TJS, paisa for PKR). */
    readonly minor: bigint,
    readonly currency: CurrencyCode,
  ) {
    Object.freeze(this);
  }

  /**
   * Builds a Money from a count of minor units.
   *
   * @throws {MoneyError} `unknown_currency`, or `out_of_range` beyond 10^18 major units.
   */
  static fromMinor(minor: bigint, currency: string): Money {
    const ccy = parseCurrencyCode(currency);
    return Money.checked(minor, ccy);
  }

  /** Zero of `currency`. */
  static zero(currency: string): Money {
    return Money.fromMinor(0n, currency);
  }

  /**
   * Parses a decimal string as Hisob itself writes it (API input, database `numeric` read back at
   * the currency's scale): `^-?(0|[1-9]\d*)(\.\d{1,scale})?$`.
   *
   * Strict on purpose (STYLE §6.4): no exponent form, no `+`, no spaces, no leading zeros, no
   * `.5` or `5.`, and no more fraction digits than the currency has — `"1.005"` TJS is an error,
   * never a rounding. Fewer digits are fine: `"12.5"` TJS is 12.50.
   *
   * @throws {MoneyError} `malformed_amount`, `exponent_form`, `surplus_precision`,
   *   `out_of_range` or `unknown_currency`.
   */
  static parse(input: string, currency: string): Money {
    const ccy = parseCurrencyCode(currency);
    const scale = currencyExponent(ccy);
    if (typeof input !== 'string') {
      throw new MoneyError('malformed_amount', `amount must be a string, got ${typeof input}`);
    }
    const m = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?$/.exec(input);
    if (m === null) {
      if (/^-?\d+(?:\.\d+)?[eE][+-]?\d+$/.test(input)) {
        throw new MoneyError('exponent_form', `amount ${quoteInput(input)} uses exponent form`);
      }
      throw new MoneyError('malformed_amount', `amount ${quoteInput(input)} is not a decimal string`);
    }
    const [, sign, int = '0', frac = ''] = m;
    if (frac.length > scale) {
      throw new MoneyError(
        'surplus_precision',
        `amount ${quoteInput(input)} has more than ${scale} fraction digits for ${ccy}`,
      );
    }
    if (int.length > MAX_INTEGER_DIGITS) {
      throw new MoneyError(
        'out_of_range',
        `amount ${quoteInput(input)} exceeds ${MAX_INTEGER_DIGITS} integer digits`,
      );
    }
    const minor = BigInt(int + frac.padEnd(scale, '0'));
    return Money.checked(sign === '-' ? -minor : minor, ccy);
  }

  /**
   * Converts a JSON number holding an integer amount of MAJOR units (Alif Shop's wire:
   * `"available_limit_pkr": 45000` is 45,000 rupees) into Money.
   *
   * Exact by construction: only safe integers are accepted, so the number read by `JSON.parse`
   * is the one the provider wrote. `45000.5` or `1e21` (precision already lost) are refused
   * rather than rounded.
   *
   * @throws {MoneyError} `not_an_integer`, `unsafe_integer`, `out_of_range`, `unknown_currency`.
   */
  static fromJsonNumber(value: number, currency: string): Money {
    const ccy = parseCurrencyCode(currency);
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw new MoneyError('not_an_integer', `expected an integer amount, got ${quoteInput(value)}`);
    }
    if (!Number.isSafeInteger(value)) {
      throw new MoneyError(
        'unsafe_integer',
        `amount ${quoteInput(value)} is beyond 2^53 and may have lost precision`,
      );
    }
    return Money.checked(BigInt(value) * pow10(currencyExponent(ccy)), ccy);
  }

  /** Sum of `items`, all in `currency` (the currency is explicit so an empty list has one). */
  static sum(items: Iterable<Money>, currency: string): Money {
    let total = Money.zero(currency);
    for (const item of items) total = total.add(item);
    return total;
  }

  /** Minor-unit digits of this amount's currency. */
  get exponent(): number {
    return currencyExponent(this.currency);
  }

  /** @throws {MoneyError} `currency_mismatch` or `out_of_range`. */
  add(other: Money): Money {
    this.assertSameCurrency(other, 'add');
    return Money.checked(this.minor + other.minor, this.currency);
  }

  /** @throws {MoneyError} `currency_mismatch` or `out_of_range`. */
  subtract(other: Money): Money {
    this.assertSameCurrency(other, 'subtract');
    return Money.checked(this.minor - other.minor, this.currency);
  }

  /** The same amount with the opposite sign. */
  negate(): Money {
    return new Money(-this.minor, this.currency);
  }

  /** The magnitude. */
  abs(): Money {
    return this.minor < 0n ? this.negate() : this;
  }

  /**
   * -1, 0 or 1 as this is below, equal to or above `other`; usable as an `Array.sort` comparator
   * body.
   *
   * @throws {MoneyError} `currency_mismatch`: comparing somoni with dollars has no meaning.
   */
  compare(other: Money): -1 | 0 | 1 {
    this.assertSameCurrency(other, 'compare');
    return this.minor < other.minor ? -1 : this.minor > other.minor ? 1 : 0;
  }

  /** Same currency and same amount; never throws. */
  equals(other: Money): boolean {
    return this.currency === other.currency && this.minor === other.minor;
  }

  isNegative(): boolean {
    return this.minor < 0n;
  }

  isZero(): boolean {
    return this.minor === 0n;
  }

  isPositive(): boolean {
    return this.minor > 0n;
  }

  /** Decimal string at the currency's full scale: `"-120.50"`, `"0.00"`, `"1000"` for JPY. */
  toString(): string {
    const scale = this.exponent;
    const negative = this.minor < 0n;
    const digits = (negative ? -this.minor : this.minor).toString().padStart(scale + 1, '0');
    const int = digits.slice(0, digits.length - scale);
    const frac = digits.slice(digits.length - scale);
    return `${negative ? '-' : ''}${int}${scale > 0 ? `.${frac}` : ''}`;
  }

  /**
   * The API's money shape (`design/api.md`). Without it `JSON.stringify` would throw on the
   * bigint field.
   */
  toJSON(): { amount: string; currency: CurrencyCode } {
    return { amount: this.toString(), currency: this.currency };
  }

  private assertSameCurrency(other: Money, op: string): void {
    if (other.currency !== this.currency) {
      throw new MoneyError('currency_mismatch', `cannot ${op} ${other.currency} and ${this.currency}`);
    }
  }

  private static checked(minor: bigint, currency: CurrencyCode): Money {
    const limit = pow10(MAX_INTEGER_DIGITS + currencyExponent(currency));
    if (minor >= limit || minor <= -limit) {
      throw new MoneyError('out_of_range', `amount exceeds ${MAX_INTEGER_DIGITS} integer digits`);
    }
    // bigint has no negative zero, so "-0.00" is plain zero here.
    return new Money(minor, currency);
  }
}

/**
 * Parses an amount string as a bank sends it, into exact Money.
 *
 * Banks render a BigDecimal with `toString()`, so the precision varies (OBP v5.1.0, research
 * obp-berlin-facts §1.5: `"-10.5"`, `"1000"`; Berlin Group allows up to 3 fraction digits). This
 * parser accepts:
 * - any number of fraction digits, as long as the digits beyond the currency's scale are zeros
 *   (`"12.300"` TJS is 12.30; `"12.305"` is `surplus_precision` — never rounded);
 * - leading zeros (`"007.5"`);
 * - exponent form, evaluated EXACTLY as Java's `BigDecimal.toString()` emits it for a negative
 *   scale or a small adjusted exponent: `"1E+3"` is 1000, `"1.5E+2"` is 150, `"1.20E-1"` is
 *   0.12, `"5E-7"` is `surplus_precision`, `"0E-10"` is 0.
 *
 * It refuses `+`, whitespace, `.5`, `5.`, `NaN`, `Infinity`, and non-strings.
 *
 * @throws {MoneyError} `malformed_amount`, `surplus_precision`, `out_of_range`,
 *   `unknown_currency`.
 */
export function parseBankAmount(input: string, currency: string): Money {
  const ccy = parseCurrencyCode(currency);
  const scale = currencyExponent(ccy);
  if (typeof input !== 'string') {
    throw new MoneyError('malformed_amount', `amount must be a string, got ${typeof input}`);
  }
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(input);
  if (m === null) {
    throw new MoneyError('malformed_amount', `amount ${quoteInput(input)} is not a decimal number`);
  }
  const [, sign, int = '', frac = '', exp] = m;
  // Unscaled coefficient and its scale: value = coefficient × 10^-valueScale.
  const coefficient = (int + frac).replace(/^0+/, '');
  if (coefficient === '') return Money.fromMinor(0n, ccy);

  let exponent = 0;
  if (exp !== undefined) {
    const expDigits = exp.replace(/^[+-]/, '').replace(/^0+/, '');
    if (expDigits.length > MAX_EXPONENT_DIGITS) {
      throw new MoneyError(
        exp.startsWith('-') ? 'surplus_precision' : 'out_of_range',
        `amount ${quoteInput(input)} has an exponent beyond ±10^${MAX_EXPONENT_DIGITS}`,
      );
    }
    exponent = Number.parseInt(exp, 10);
  }
  const valueScale = frac.length - exponent;

  let minorDigits: string;
  if (valueScale <= scale) {
    const shift = scale - valueScale;
    if (coefficient.length + shift > MAX_INTEGER_DIGITS + scale) {
      throw new MoneyError(
        'out_of_range',
        `amount ${quoteInput(input)} exceeds ${MAX_INTEGER_DIGITS} integer digits`,
      );
    }
    minorDigits = coefficient + '0'.repeat(shift);
  } else {
    const drop = valueScale - scale;
    const kept = drop >= coefficient.length ? '' : coefficient.slice(0, coefficient.length - drop);
    const dropped = drop >= coefficient.length ? coefficient : coefficient.slice(coefficient.length - drop);
    if (/[1-9]/.test(dropped)) {
      throw new MoneyError(
        'surplus_precision',
        `amount ${quoteInput(input)} has non-zero digits beyond the ${scale} decimals of ${ccy}`,
      );
    }
    if (kept.length > MAX_INTEGER_DIGITS + scale) {
      throw new MoneyError(
        'out_of_range',
        `amount ${quoteInput(input)} exceeds ${MAX_INTEGER_DIGITS} integer digits`,
      );
    }
    minorDigits = kept === '' ? '0' : kept;
  }
  const minor = BigInt(minorDigits);
  return Money.fromMinor(sign === '-' ? -minor : minor, ccy);
}

/**
 * Rounding modes for {@link convertMoney}, named so a call site says what it does
 * (`'half_even'` is banker's rounding; `'down'` truncates toward zero).
 */
export type FxRounding = 'half_even' | 'half_up' | 'half_down' | 'up' | 'down' | 'ceil' | 'floor';

const ROUNDING: Record<FxRounding, Decimal.Rounding> = {
  half_even: Decimal.ROUND_HALF_EVEN,
  half_up: Decimal.ROUND_HALF_UP,
  half_down: Decimal.ROUND_HALF_DOWN,
  up: Decimal.ROUND_UP,
  down: Decimal.ROUND_DOWN,
  ceil: Decimal.ROUND_CEIL,
  floor: Decimal.ROUND_FLOOR,
};

/**
 * A private decimal.js constructor: never touches the global Decimal config other code may set.
 * 80 significant digits hold an 22-digit amount times a 40-character rate exactly, so the only
 * rounding is the named one at the end.
 */
const FxDecimal = Decimal.clone({
  precision: 80,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -100,
  toExpPos: 100,
});

/**
 * The one place where money is multiplied: converts `amount` at `rate` (units of `to` for one
 * unit of `amount.currency`) into `to`, rounding once to `to`'s scale with the named mode.
 *
 * Uses decimal.js (the repository's installed decimal library; STYLE §6.4 names big.js — same
 * idea, arbitrary precision with an explicit rounding mode).
 *
 * @param rate positive decimal string such as `"10.9235"`; numbers are refused so no float ever
 *   enters (a rate's own precision is its provider's business).
 * @throws {MoneyError} `invalid_rate`, `unknown_currency`, `out_of_range`.
 */
export function convertMoney(amount: Money, rate: string, to: string, rounding: FxRounding): Money {
  const target = parseCurrencyCode(to);
  if (
    typeof rate !== 'string' ||
    rate.length > 40 ||
    !/^(0|[1-9]\d*)(\.\d+)?$/.test(rate) ||
    !/[1-9]/.test(rate)
  ) {
    throw new MoneyError('invalid_rate', `rate ${quoteInput(rate)} is not a positive decimal string`);
  }
  const mode = ROUNDING[rounding];
  if (mode === undefined) {
    throw new MoneyError('invalid_rate', `unknown rounding ${quoteInput(rounding)}`);
  }
  const shift = currencyExponent(target) - amount.exponent;
  const targetMinor = new FxDecimal(amount.minor.toString())
    .times(rate)
    .times(new FxDecimal(10).pow(shift))
    .toDecimalPlaces(0, mode);
  return Money.fromMinor(BigInt(targetMinor.toFixed(0)), target);
}
