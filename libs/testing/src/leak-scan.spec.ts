import { findLeaks, luhnValid } from './leak-scan.js';

describe('the leak scan', () => {
  it('finds a known secret and a full card number, and masks them in its report', () => {
    const leaks = findLeaks(
      [
        { source: 'log', text: '{"msg":"x","token":"at-0123456789abcdef"}' },
        { source: 'response', text: '{"pan":"4111111111111111","masked":"411111******1111"}' },
      ],
      [{ kind: 'access token', value: 'at-0123456789abcdef' }],
    );
    expect(leaks.map((l) => [l.kind, l.source])).toEqual([
      ['access token', 'log'],
      ['full PAN', 'response'],
    ]);
    expect(JSON.stringify(leaks)).not.toContain('at-0123456789abcdef');
    expect(JSON.stringify(leaks)).not.toContain('4111111111111111');
  });

  it('leaves timestamps, ids and non-Luhn digit runs alone', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    const texts = [
      {
        source: 'log',
        text: 'refresh-c0ffee-1765100000000 TJ0000000000000000001234 4111111111111112 1234567890123456',
      },
    ];
    expect(findLeaks(texts, [])).toEqual([]);
  });

  it('does not take a digit run inside a hex signature for a card number, but finds one standing alone', () => {
    // The webhook signature that once tripped the scan: a Luhn-valid 16-digit run between hex letters.
    const run = '5566543210987651';
    expect(luhnValid(run)).toBe(true);
    const signature = `t=1765100000,v1=ab07d7fec3655bced${run}a4fed451d75`;
    expect(findLeaks([{ source: 'webhook', text: `{"hisob-signature":"${signature}"}` }], [])).toEqual([]);
    expect(findLeaks([{ source: 'webhook', text: `{"card":"${run}"}` }], [])).toHaveLength(1);
  });

  it('looks for a secret only where it is told to', () => {
    const secret = { kind: 'otp', value: '123456', only: (s: string) => s.startsWith('log') };
    expect(findLeaks([{ source: 'response', text: '"amount":"123456.00"' }], [secret])).toEqual([]);
    expect(findLeaks([{ source: 'log:api', text: 'otp 123456' }], [secret])).toHaveLength(1);
  });
});
