import { CURRENCY_EXPONENTS, currencyExponent, isCurrencyCode } from './currency.js';
import { MoneyError, type MoneyErrorCode } from './money-errors.js';
import { Money, convertMoney, parseBankAmount, parseCurrencyCode } from './money.js';

function errorCode(fn: () => unknown): MoneyErrorCode | 'no error' {
  try {
    fn();
  } catch (err) {
    if (err instanceof MoneyError) return err.code;
    throw err;
  }
  return 'no error';
}

describe('currency table', () => {
  it.each([
    ['TJS', 2],
    ['PKR', 2],
    ['USD', 2],
    ['EUR', 2],
    ['RUB', 2],
    ['CNY', 2],
    ['JPY', 0],
    ['KWD', 3],
  ] as const)('gives %s an exponent of %i', (ccy, exp) => {
    expect(currencyExponent(ccy)).toBe(exp);
  });

  it('does not take PKR from Intl, which displays it with 0 decimals', () => {
    const intlDigits = new Intl.NumberFormat('en', { style: 'currency', currency: 'PKR' }).resolvedOptions()
      .maximumFractionDigits;
    expect(intlDigits).not.toBe(2);
    expect(CURRENCY_EXPONENTS.PKR).toBe(2);
  });

  it('knows only upper-case table codes', () => {
    expect(isCurrencyCode('TJS')).toBe(true);
    expect(isCurrencyCode('tjs')).toBe(false);
    expect(isCurrencyCode('XYZ')).toBe(false);
    expect(isCurrencyCode('toString')).toBe(false);
    expect(isCurrencyCode(undefined)).toBe(false);
  });

  it('refuses an unknown currency with unknown_currency', () => {
    expect(errorCode(() => parseCurrencyCode('ABC'))).toBe('unknown_currency');
    expect(errorCode(() => Money.parse('1.00', 'ABC'))).toBe('unknown_currency');
    expect(errorCode(() => parseBankAmount('1.00', '__proto__'))).toBe('unknown_currency');
  });
});

describe('Money.parse (strict)', () => {
  it.each([
    ['0', 0n],
    ['0.00', 0n],
    ['-0.00', 0n],
    ['1', 100n],
    ['12.5', 1250n],
    ['12.50', 1250n],
    ['-120.50', -12050n],
    ['0.01', 1n],
    ['-0.01', -1n],
    ['999999999999999999.99', 99999999999999999999n],
  ])('parses %s TJS to %s minor units', (input, minor) => {
    const sut = Money.parse(input, 'TJS');
    expect(sut.minor).toBe(minor);
    expect(sut.currency).toBe('TJS');
  });

  it.each([
    ['1.005', 'surplus_precision'],
    ['0.001', 'surplus_precision'],
    ['1.000', 'surplus_precision'],
    ['1e3', 'exponent_form'],
    ['1E+3', 'exponent_form'],
    ['1.5E-2', 'exponent_form'],
    ['', 'malformed_amount'],
    [' 1.00', 'malformed_amount'],
    ['1.00 ', 'malformed_amount'],
    ['1 000.00', 'malformed_amount'],
    ['+1.00', 'malformed_amount'],
    ['01.00', 'malformed_amount'],
    ['-01', 'malformed_amount'],
    ['.5', 'malformed_amount'],
    ['5.', 'malformed_amount'],
    ['1,50', 'malformed_amount'],
    ['--1', 'malformed_amount'],
    ['NaN', 'malformed_amount'],
    ['Infinity', 'malformed_amount'],
    ['0x10', 'malformed_amount'],
    ['１２', 'malformed_amount'],
    ['1000000000000000000', 'out_of_range'],
    ['-1000000000000000000.00', 'out_of_range'],
  ] as const)('refuses %j with %s', (input, code) => {
    expect(errorCode(() => Money.parse(input, 'TJS'))).toBe(code);
  });

  it('refuses a non-string at run time (e.g. a JSON number slipping past types)', () => {
    expect(errorCode(() => Money.parse(12.5 as unknown as string, 'TJS'))).toBe('malformed_amount');
  });

  it('allows no fraction at all for a zero-decimal currency', () => {
    expect(Money.parse('1000', 'JPY').minor).toBe(1000n);
    expect(errorCode(() => Money.parse('1000.0', 'JPY'))).toBe('surplus_precision');
  });

  it('reads three decimals for KWD', () => {
    expect(Money.parse('1.234', 'KWD').minor).toBe(1234n);
    expect(errorCode(() => Money.parse('1.2345', 'KWD'))).toBe('surplus_precision');
  });

  it('quotes a long bad input in the message cut to 40 characters', () => {
    const input = '9'.repeat(100) + 'x';
    try {
      Money.parse(input, 'TJS');
      throw new Error('expected a MoneyError');
    } catch (err) {
      expect((err as MoneyError).message.length).toBeLessThan(100);
    }
  });
});

describe('parseBankAmount (bank wire strings)', () => {
  it.each([
    ['-10.5', -1050n],
    ['1000', 100000n],
    ['12.300', 1230n],
    ['12.3000000000', 1230n],
    ['0', 0n],
    ['-0', 0n],
    ['0.0', 0n],
    ['007.50', 750n],
    ['1E+3', 100000n],
    ['1e3', 100000n],
    ['1E3', 100000n],
    ['1.5E+2', 15000n],
    ['-1.23E+5', -12300000n],
    ['1.20E-1', 12n],
    ['5E-2', 5n],
    ['1.00E-2', 1n],
    ['0E-10', 0n],
    ['0E+3', 0n],
    ['0E-99999999', 0n],
    ['12345E-2', 12345n],
    ['1E+17', 10000000000000000000n],
  ])('parses %s TJS (BigDecimal.toString forms) to %s minor units', (input, minor) => {
    expect(parseBankAmount(input, 'TJS').minor).toBe(minor);
  });

  it.each([
    ['12.305', 'surplus_precision'],
    ['0.001', 'surplus_precision'],
    ['5E-7', 'surplus_precision'],
    ['1.234E-1', 'surplus_precision'],
    ['1E-9999999', 'surplus_precision'],
    ['1E+18', 'out_of_range'],
    ['1E+9999999', 'out_of_range'],
    ['1000000000000000000', 'out_of_range'],
    ['', 'malformed_amount'],
    ['+10.5', 'malformed_amount'],
    [' 10.5', 'malformed_amount'],
    ['10.5 ', 'malformed_amount'],
    ['.5', 'malformed_amount'],
    ['5.', 'malformed_amount'],
    ['1E', 'malformed_amount'],
    ['E3', 'malformed_amount'],
    ['1.5E+2.0', 'malformed_amount'],
    ['NaN', 'malformed_amount'],
    ['-Infinity', 'malformed_amount'],
    ['10,5', 'malformed_amount'],
  ] as const)('refuses %j with %s', (input, code) => {
    expect(errorCode(() => parseBankAmount(input, 'TJS'))).toBe(code);
  });

  it('refuses a JSON number (the bank must send a string)', () => {
    expect(errorCode(() => parseBankAmount(10.5 as unknown as string, 'TJS'))).toBe('malformed_amount');
  });

  it('applies the currency scale: three decimals pass for KWD, none for JPY', () => {
    expect(parseBankAmount('1.234', 'KWD').toString()).toBe('1.234');
    expect(parseBankAmount('1000.00', 'JPY').toString()).toBe('1000');
    expect(errorCode(() => parseBankAmount('1000.50', 'JPY'))).toBe('surplus_precision');
  });

  it('accepts the largest numeric(20,2) value and nothing above', () => {
    expect(parseBankAmount('999999999999999999.990', 'TJS').toString()).toBe('999999999999999999.99');
    expect(errorCode(() => parseBankAmount('9.9999999999999999999E+17', 'TJS'))).toBe('no error');
    expect(errorCode(() => parseBankAmount('1.0E+18', 'TJS'))).toBe('out_of_range');
  });
});

describe('Money.fromJsonNumber (Alif Shop PKR integers)', () => {
  it('reads integer major units exactly', () => {
    expect(Money.fromJsonNumber(45000, 'PKR').toString()).toBe('45000.00');
    expect(Money.fromJsonNumber(0, 'PKR').minor).toBe(0n);
    expect(Money.fromJsonNumber(-6000, 'PKR').minor).toBe(-600000n);
    expect(Money.fromJsonNumber(Number.MAX_SAFE_INTEGER, 'PKR').minor).toBe(900719925474099100n);
  });

  it('reads what JSON.parse produced from the wire', () => {
    const body = JSON.parse('{"available_limit_pkr": 45000, "principal_pkr": 24000}') as Record<
      string,
      number
    >;
    expect(Money.fromJsonNumber(body.available_limit_pkr as number, 'PKR').toString()).toBe('45000.00');
  });

  it.each([
    [45000.5, 'not_an_integer'],
    [0.1, 'not_an_integer'],
    [Number.NaN, 'not_an_integer'],
    [Number.POSITIVE_INFINITY, 'not_an_integer'],
    [Number.MAX_SAFE_INTEGER + 1, 'unsafe_integer'],
    [1e21, 'unsafe_integer'],
    [-(2 ** 60), 'unsafe_integer'],
  ] as const)('refuses %d with %s', (value, code) => {
    expect(errorCode(() => Money.fromJsonNumber(value, 'PKR'))).toBe(code);
  });

  it('refuses a string that looks like a number', () => {
    expect(errorCode(() => Money.fromJsonNumber('45000' as unknown as number, 'PKR'))).toBe('not_an_integer');
  });
});

describe('Money formatting', () => {
  it.each([
    [-12050n, 'TJS', '-120.50'],
    [0n, 'TJS', '0.00'],
    [1n, 'TJS', '0.01'],
    [-1n, 'USD', '-0.01'],
    [-5n, 'TJS', '-0.05'],
    [100n, 'EUR', '1.00'],
    [1000n, 'JPY', '1000'],
    [-1n, 'KWD', '-0.001'],
    [99999999999999999999n, 'TJS', '999999999999999999.99'],
  ] as const)('prints %s minor %s as %s at full scale', (minor, ccy, text) => {
    expect(Money.fromMinor(minor, ccy).toString()).toBe(text);
  });

  it('round-trips through parse for every printed value', () => {
    for (const minor of [0n, 1n, -1n, 10n, 99n, 100n, 12345678n, -99999999999999999999n]) {
      const sut = Money.fromMinor(minor, 'TJS');
      expect(Money.parse(sut.toString(), 'TJS').minor).toBe(minor);
    }
  });

  it('serialises to the API money shape instead of throwing on bigint', () => {
    expect(JSON.stringify({ balance: Money.parse('-120.5', 'TJS') })).toBe(
      '{"balance":{"amount":"-120.50","currency":"TJS"}}',
    );
  });

  it('is frozen', () => {
    const sut = Money.parse('1.00', 'TJS');
    expect(Object.isFrozen(sut)).toBe(true);
  });

  it('refuses fromMinor beyond 18 integer digits', () => {
    expect(errorCode(() => Money.fromMinor(10n ** 20n, 'TJS'))).toBe('out_of_range');
    expect(errorCode(() => Money.fromMinor(10n ** 20n - 1n, 'TJS'))).toBe('no error');
  });
});

describe('Money arithmetic', () => {
  const tjs = (s: string) => Money.parse(s, 'TJS');

  it('adds and subtracts exactly where floats would not', () => {
    expect(tjs('0.10').add(tjs('0.20')).toString()).toBe('0.30');
    expect(tjs('0.30').subtract(tjs('0.10')).toString()).toBe('0.20');
    expect(tjs('-120.50').add(tjs('120.50')).isZero()).toBe(true);
  });

  it('negates and takes the absolute value', () => {
    expect(tjs('12.34').negate().toString()).toBe('-12.34');
    expect(tjs('-12.34').abs().toString()).toBe('12.34');
    expect(tjs('12.34').abs().toString()).toBe('12.34');
    expect(tjs('0').negate().toString()).toBe('0.00');
  });

  it('tells the sign', () => {
    expect(tjs('-0.01').isNegative()).toBe(true);
    expect(tjs('0.00').isNegative()).toBe(false);
    expect(tjs('0.00').isZero()).toBe(true);
    expect(tjs('0.01').isPositive()).toBe(true);
  });

  it('compares and sorts', () => {
    const values = ['3.00', '-1.50', '0', '2.99'].map(tjs);
    values.sort((a, b) => a.compare(b));
    expect(values.map(String)).toEqual(['-1.50', '0.00', '2.99', '3.00']);
    expect(tjs('1').compare(tjs('1.00'))).toBe(0);
    expect(tjs('1').equals(tjs('1.00'))).toBe(true);
  });

  it('refuses to mix currencies', () => {
    const usd = Money.parse('1.00', 'USD');
    expect(errorCode(() => tjs('1.00').add(usd))).toBe('currency_mismatch');
    expect(errorCode(() => tjs('1.00').subtract(usd))).toBe('currency_mismatch');
    expect(errorCode(() => tjs('1.00').compare(usd))).toBe('currency_mismatch');
    expect(tjs('1.00').equals(usd)).toBe(false);
  });

  it('sums a list, and an empty list to zero of the given currency', () => {
    expect(Money.sum(['1.10', '2.20', '-0.30'].map(tjs), 'TJS').toString()).toBe('3.00');
    expect(Money.sum([], 'PKR').toString()).toBe('0.00');
  });

  it('refuses a sum that leaves numeric(20,2)', () => {
    const big = tjs('999999999999999999.99');
    expect(errorCode(() => big.add(tjs('0.01')))).toBe('out_of_range');
  });
});

describe('convertMoney (FX)', () => {
  it('multiplies exactly and rounds once with the named mode', () => {
    // 100.00 USD at 10.9235 TJS/USD = 1092.35 TJS exactly.
    expect(convertMoney(Money.parse('100.00', 'USD'), '10.9235', 'TJS', 'half_even').toString()).toBe(
      '1092.35',
    );
    // 1.00 USD × 10.925 = 10.925 → half_even 10.92, half_up 10.93, down 10.92, up 10.93.
    const one = Money.parse('1.00', 'USD');
    expect(convertMoney(one, '10.925', 'TJS', 'half_even').toString()).toBe('10.92');
    expect(convertMoney(one, '10.935', 'TJS', 'half_even').toString()).toBe('10.94');
    expect(convertMoney(one, '10.925', 'TJS', 'half_up').toString()).toBe('10.93');
    expect(convertMoney(one, '10.925', 'TJS', 'half_down').toString()).toBe('10.92');
    expect(convertMoney(one, '10.921', 'TJS', 'up').toString()).toBe('10.93');
    expect(convertMoney(one, '10.929', 'TJS', 'down').toString()).toBe('10.92');
  });

  it('rounds negative amounts by the mode, toward floor or ceiling as named', () => {
    const debit = Money.parse('-1.00', 'USD');
    expect(convertMoney(debit, '10.925', 'TJS', 'half_up').toString()).toBe('-10.93');
    expect(convertMoney(debit, '10.921', 'TJS', 'floor').toString()).toBe('-10.93');
    expect(convertMoney(debit, '10.929', 'TJS', 'ceil').toString()).toBe('-10.92');
  });

  it('handles scale changes between currencies', () => {
    expect(convertMoney(Money.parse('1.00', 'USD'), '151.237', 'JPY', 'half_even').toString()).toBe('151');
    expect(convertMoney(Money.parse('1000', 'JPY'), '0.0066123', 'USD', 'half_even').toString()).toBe('6.61');
    expect(convertMoney(Money.parse('1.00', 'USD'), '0.30712', 'KWD', 'half_even').toString()).toBe('0.307');
  });

  it('keeps full precision of a large amount times a long rate', () => {
    const sut = convertMoney(Money.parse('123456789012345.67', 'RUB'), '0.123456789012345678', 'TJS', 'down');
    expect(sut.toString()).toBe('15241578753238.83');
  });

  it.each(['0', '0.000', '-1.5', '1e2', ' 1', '1.', '', 'abc', '1'.repeat(41)])('refuses rate %j', (rate) => {
    expect(errorCode(() => convertMoney(Money.parse('1.00', 'USD'), rate, 'TJS', 'half_even'))).toBe(
      'invalid_rate',
    );
  });

  it('refuses a number rate and an unknown rounding mode', () => {
    const one = Money.parse('1.00', 'USD');
    expect(errorCode(() => convertMoney(one, 10.5 as unknown as string, 'TJS', 'half_even'))).toBe(
      'invalid_rate',
    );
    expect(errorCode(() => convertMoney(one, '10.5', 'TJS', 'bankers' as 'half_even'))).toBe('invalid_rate');
  });

  it('refuses an unknown target currency', () => {
    expect(errorCode(() => convertMoney(Money.parse('1.00', 'USD'), '1', 'XXX', 'half_even'))).toBe(
      'unknown_currency',
    );
  });
});
