import { HYDRA_SCOPES } from '../../worker/test/alif-mobi-at-sandbox.js';
import { startStack, until, type Stack } from './stack.js';

/**
 * The Alif Mobi connector against the sandbox's strict profiles, each behaving as a real OBP-API
 * deployment does (endpoints switched off, a view without permissions, `OpeningBooked` balances,
 * a proxy dropping underscore headers, a capped page size, the real `/cards` shape, all at once).
 * In every case: the consent stays `active`, the history is complete and exact, statements add
 * up to the bank's own figures, and the coverage says what could not be read.
 */
type Summary = {
  transaction_count: number;
  sum_of_amounts: string;
  opening_balance: string;
  closing_balance: string;
  total_debits: string;
  total_credits: string;
};

const normal = (decimal: string) => {
  const [i, f = ''] = decimal.split('.');
  return `${i}.${f.padEnd(2, '0').slice(0, 2)}`;
};

const PROFILES: Array<{
  profile: string;
  missing: Array<[string, string]>;
  env?: Record<string, string>;
  bank?: Record<string, unknown>;
  /** The bank's time zone, when not UTC: booking dates and statement days are its local days. */
  tz?: string;
}> = [
  {
    profile: 'endpoints-off',
    missing: [
      ['cards', 'unsupported'],
      ['transfers', 'unsupported'],
    ],
  },
  {
    profile: 'restricted-view',
    missing: [
      ['transfers', 'forbidden'],
      ['balances', 'forbidden'],
    ],
  },
  { profile: 'opening-booked', missing: [] },
  { profile: 'nginx', missing: [] },
  { profile: 'page-cap', missing: [] },
  { profile: 'real-shapes', missing: [] },
  // Tokens that expire within the sync: OBP-20206 is refreshed and the read repeated.
  { profile: 'short-tokens', missing: [], bank: { accessTokenTtlS: 2 } },
  { profile: 'hydra-scopes', missing: [], env: HYDRA_SCOPES },
  // Alif's own zone (the connector's default): an entry at 20:00 UTC is booked the next day there.
  {
    profile: 'opening-booked',
    missing: [],
    tz: 'Asia/Dushanbe',
    env: { ALIF_MOBI_TIME_ZONE: 'Asia/Dushanbe' },
  },
  {
    profile: 'strict',
    env: HYDRA_SCOPES,
    missing: [
      ['cards', 'unsupported'],
      ['transfers', 'unsupported'],
      ['balances', 'forbidden'],
    ],
  },
];

describe.each(PROFILES.map((p) => ({ ...p, label: p.tz ? `${p.profile}, booking in ${p.tz}` : p.profile })))(
  'Alif Mobi against a real-deployment bank: $label',
  ({ profile, missing, env, bank, tz }) => {
    let s: Stack;
    let consentId: string;
    let sync: any;

    beforeAll(async () => {
      s = await startStack({
        bank: { profiles: profile, anchorDate: '2026-06-30', size: 1500, ...bank },
        ...(env ? { env } : {}),
      });
      consentId = await s.activeConsent();
      sync = await until(
        async () => {
          const [row] = await s.db<{ id: string }>(`SELECT id FROM syncs WHERE consent_id = $1`, [consentId]);
          return row ? s.get(`/v1/syncs/${row.id}`) : { state: 'none' };
        },
        (v) => v.state === 'succeeded' || v.state === 'failed',
        90_000,
      );
    }, 120_000);
    afterAll(() => s?.close());

    it('succeeds and keeps the consent active, reporting what it could not read', async () => {
      expect([sync.state, sync.error]).toEqual(['succeeded', undefined]);
      expect(sync.partial).toBe(missing.length > 0);
      const consent = await s.get(`/v1/consents/${consentId}`);
      expect(consent.status).toBe('active');
      const notOk = [
        ...consent.coverage.filter((c: any) => c.state !== 'ok').map((c: any) => [c.resource, c.state]),
        ...sync.coverage
          .filter((c: any) => c.account_id && c.state !== 'ok' && c.resource === 'balances')
          .map((c: any) => [c.resource, c.state]),
      ];
      for (const m of missing) expect(notOk).toContainEqual(m);
      for (const [resource] of notOk) expect(missing.map(([r]) => r)).toContain(resource);
    });

    it('copies every account completely and exactly', async () => {
      const accounts = (await s.get(`/v1/accounts?consent_id=${consentId}`)).accounts;
      expect(accounts.length).toBeGreaterThan(0);
      for (const account of accounts) {
        const [row] = await s.db<{ pid: string; n: number; sum: string }>(
          `SELECT a.provider_account_id AS pid, count(t.*)::int AS n, coalesce(sum(t.amount), 0)::text AS sum
           FROM accounts a LEFT JOIN transactions t ON t.account_id = a.id WHERE a.id = $1 GROUP BY a.id`,
          [account.id],
        );
        const bank: Summary = await s.control('GET', `/accounts/${row!.pid}/summary`);
        expect({ n: row!.n, sum: normal(row!.sum) }).toEqual({
          n: bank.transaction_count,
          sum: normal(bank.sum_of_amounts),
        });
        expect(account.coverage.find((c: any) => c.resource === 'transactions')?.state).toBe('ok');
      }
    });

    it("serves statements equal to the bank's figures wherever the balances were readable", async () => {
      const accounts = (await s.get(`/v1/accounts?consent_id=${consentId}`)).accounts;
      for (const account of accounts) {
        if (account.coverage.find((c: any) => c.resource === 'balances')?.state !== 'ok') continue;
        const [row] = await s.db<{ pid: string }>(
          `SELECT provider_account_id AS pid FROM accounts WHERE id = $1`,
          [account.id],
        );
        const from = '2026-01-01';
        const to = '2026-03-31';
        const bank: Summary = await s.control(
          'GET',
          `/accounts/${row!.pid}/summary?from_date=${from}&to_date=${to}${tz ? `&tz=${tz}` : ''}`,
        );
        const statement = await s.get(`/v1/accounts/${account.id}/statement?from_date=${from}&to_date=${to}`);
        expect(statement).toMatchObject({
          opening_balance: normal(bank.opening_balance),
          closing_balance: normal(bank.closing_balance),
          total_credits: normal(bank.total_credits),
          total_debits: normal(bank.total_debits),
          transaction_count: bank.transaction_count,
        });
      }
    });
  },
);
