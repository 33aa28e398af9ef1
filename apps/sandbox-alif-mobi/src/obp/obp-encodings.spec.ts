import { formatObpDate, parseObpRequestDate } from './obp-encodings.js';

describe('OBP encodings', () => {
  it("formats response dates as yyyy-MM-dd'T'HH:mm:ss'Z' without milliseconds", () => {
    expect(formatObpDate(Date.UTC(2017, 8, 18, 22, 0, 0) / 1000)).toBe('2017-09-18T22:00:00Z');
  });

  it.each([
    ['2024-01-01T00:00:00.000Z', Date.UTC(2024, 0, 1)],
    ['2024-01-01T00:00:00.123Z', Date.UTC(2024, 0, 1, 0, 0, 0, 123)],
    ['2024-01-01T00:00:00.000+0000', Date.UTC(2024, 0, 1)],
    ['2024-01-01T05:00:00.000+0500', Date.UTC(2024, 0, 1)],
    ['2023-12-31T19:00:00.000-0500', Date.UTC(2024, 0, 1)],
  ])('parses the request date %s', (input, expected) => {
    expect(parseObpRequestDate(input)).toBe(expected);
  });

  it.each([
    '2024-01-01',
    '2024-01-01T00:00:00Z',
    '2024-01-01T00:00:00.00Z',
    '2024-13-01T00:00:00.000Z',
    '2024-02-30T00:00:00.000Z',
    '2024-01-01T00:00:00.000 0000',
    ' 2024-01-01T00:00:00.000Z',
  ])('rejects %j (OBP-10026)', (input) => {
    expect(parseObpRequestDate(input)).toBeUndefined();
  });
});
