import { readFileSync } from 'node:fs';
import { cappedExponentialBackoff } from '#common/queues.js';
import { refreshAt } from '#consents/consent-jobs.js';
import { defaultScope } from '#connectors/alif-mobi/oauth.js';
import { mapObpError } from '#connectors/alif-mobi/obp-errors.js';

/** docs/providers/alif-mobi.md is read by integration teams: its checked tables must match the code. */
const doc = readFileSync(new URL('../../../docs/providers/alif-mobi.md', import.meta.url), 'utf8');
/** The prose with line breaks and runs of spaces folded (a formatter may re-wrap it). */
const prose = doc.replace(/\s+/g, ' ');

const KIND = {
  ReauthRequired: 'reauth_required',
  TokenExpired: 'token_expired',
  NotPermitted: 'not_permitted',
  Unsupported: 'unsupported',
  RateLimited: 'rate_limited',
  Transient: 'transient',
  ProtocolViolation: 'protocol_violation',
} as const;

function tableRows(heading: string): string[][] {
  const section = doc.slice(doc.indexOf(heading));
  const table = section.slice(section.indexOf('\n|')).split('\n\n')[0]!;
  return table
    .trim()
    .split('\n')
    .slice(2)
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
}

describe('the Alif Mobi provider report', () => {
  it('maps every OBP code in its error table to the connector error the code produces', () => {
    const rows = tableRows('## 4. Bank errors');
    expect(rows.length).toBeGreaterThanOrEqual(10);
    for (const [code, , errorClass] of rows) {
      const status = code === 'OBP-10018' ? 429 : code === 'OBP-01000' ? 408 : 400;
      const sut = mapObpError({
        status,
        headers: new Headers(status === 429 ? { 'x-rate-limit-reset': '42' } : {}),
        text: JSON.stringify({ code: status, message: `${code}: something` }),
        target: 'GET /obp/v5.1.0/my/accounts',
      });
      expect({ code, kind: sut.kind }).toEqual({
        code,
        kind: KIND[errorClass!.replaceAll('`', '') as keyof typeof KIND],
      });
    }
  });

  it('states the scope the connector asks for', () => {
    const scope = defaultScope(['accounts', 'balances', 'transactions', 'statements', 'cards', 'transfers']);
    expect(scope).toBe('openid offline_access accounts balances transactions cards transfers');
    expect(prose).toContain('`openid offline_access`');
    expect(prose).toContain('`accounts balances transactions cards transfers`');
    // OBP has no statement resource: a statement needs the history and its anchor balance.
    expect(defaultScope(['accounts', 'statements'])).toBe(
      'openid offline_access accounts balances transactions',
    );
    expect(prose).toContain('`statements` permission asks for `transactions balances`');
  });

  it('states the refresh lead time and the backoff the worker uses', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const lead = (expiresInS: number, jitter: number) =>
      (now.getTime() +
        expiresInS * 1000 -
        refreshAt(new Date(now.getTime() + expiresInS * 1000), now, () => jitter).getTime()) /
      1000;
    expect(lead(3600, 0)).toBe(600); // "about 10 minutes before expiry" for a 3600 s token
    expect(lead(3600, 0.9999)).toBeLessThanOrEqual(630);
    expect(lead(120, 0)).toBe(24); // 20 % of a short lifetime
    expect(lead(20, 0)).toBe(4); // a 20 s token refreshes after 16 s, not at once
    expect(lead(20, 0.9999)).toBeLessThanOrEqual(10); // never before half its lifetime
    const max = [1, 2, 3, 20].map((n) => cappedExponentialBackoff(n, () => 0.9999));
    expect(max[0]).toBeLessThanOrEqual(5_000);
    expect(max[1]).toBeLessThanOrEqual(10_000);
    expect(max[2]).toBeLessThanOrEqual(20_000);
    expect(max[3]).toBeLessThanOrEqual(15 * 60_000);
    expect(prose).toContain('5 s, 10 s, 20 s … ≤ 15 min');
  });
});
