import { WireShapeError } from '../wire.js';
import { codeOf, instantDate, localDate, obpInstant, toRfc3339 } from './obp-values.js';

describe('obpInstant', () => {
  it.each([
    // OBP's own format names the instant as it is.
    ['2024-02-29T23:59:59Z', '2024-02-29T23:59:59Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00Z'],
    ['2025-12-31T12:00:00Z', '2025-12-31T12:00:00Z'],
    // Milliseconds and offsets (other OBP deployments) are normalised to UTC seconds.
    ['2024-03-01T05:00:00.750+05:00', '2024-03-01T00:00:00Z'],
    ['2024-03-01T00:00:00.000Z', '2024-03-01T00:00:00Z'],
    // Dates Date.parse rolls over come out as the instant it computed, never as the text.
    ['2024-02-30T00:00:00Z', '2024-03-01T00:00:00Z'],
    ['2023-02-29T00:00:00Z', '2023-03-01T00:00:00Z'],
    ['1900-02-29T00:00:00Z', '1900-03-01T00:00:00Z'],
    ['2024-04-31T10:00:00Z', '2024-05-01T10:00:00Z'],
    ['2024-01-01T24:00:00Z', '2024-01-02T00:00:00Z'],
  ])('reads %s as %s, consistent with its epoch milliseconds', (text, iso) => {
    const instant = obpInstant(text, '$.t');
    expect(instant.iso).toBe(iso);
    expect(toRfc3339(instant.ms)).toBe(iso);
  });

  it.each(['2024-13-01T00:00:00Z', '2024-01-01T23:60:00Z', '2024-01-01 10:00:00Z', '2024-01-01', ''])(
    'refuses %j',
    (text) => {
      expect(() => obpInstant(text, '$.t')).toThrow(WireShapeError);
    },
  );

  it('gives the booking date in the bank zone, from the instant it already has in UTC', () => {
    const late = obpInstant('2024-06-30T21:30:00Z', '$.t');
    expect(instantDate(late, 'UTC')).toBe('2024-06-30');
    expect(instantDate(late, 'Asia/Dushanbe')).toBe('2024-07-01');
    expect(instantDate(late, 'Asia/Dushanbe')).toBe(localDate(late.ms, 'Asia/Dushanbe'));
  });
});

describe('codeOf', () => {
  it('codes names the same way, remembered or not', () => {
    for (let i = 0; i < 2; i++) {
      expect(codeOf('  Card payment ')).toBe('CARD_PAYMENT');
      expect(codeOf('transaction-type')).toBe('TRANSACTION_TYPE');
      expect(codeOf('__x__')).toBe('X');
      expect(codeOf(null)).toBe('');
    }
  });
});
