import { generateKeyPairSync } from 'node:crypto';
import {
  NotPermitted,
  ProtocolViolation,
  RateLimited,
  ReauthRequired,
  TokenExpired,
  Transient,
} from '#connectors/connector-errors.js';
import type { BankSession } from '#connectors/connector.js';
import { collectPages } from '#connectors/testing/contract.suite.js';
import { REQUEST, USER, alifMobiAtSandbox, type AlifMobiAtSandbox } from './alif-mobi-at-sandbox.js';

/**
 * Alif Mobi's connector quirks against the sandbox bank (the protocol-wide contract is
 * connector-contract.int-spec.ts): OAuth 2.0 code + PKCE with each token-endpoint client
 * authentication, the token endpoint's faults, and OBP's reads and error codes.
 */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

let at: AlifMobiAtSandbox;
let session: BankSession;
let accounts: Array<{ account_id: string; currency: string; transaction_count: number }>;

beforeAll(async () => {
  at = await alifMobiAtSandbox({ timeoutMs: 1000 });
  session = await at.session();
  accounts = (await at.control('GET', '/users')).users.find(
    (u: { username: string }) => u.username === USER.username,
  ).accounts;
});
afterAll(() => at?.close());
afterEach(() => at.control('DELETE', '/faults'));

const busiest = () => [...accounts].sort((a, b) => b.transaction_count - a.transaction_count)[0]!.account_id;

describe('Alif Mobi authorisation (OAuth2 code + PKCE)', () => {
  it('builds an authorisation URL with PKCE S256, state, scope and prompt=consent', async () => {
    const start = await at.connector.startAuthorisation(REQUEST);
    if (start.kind !== 'redirect') throw new Error('expected a redirect');
    const url = new URL(start.authorisationUrl);
    expect(url.origin).toBe(new URL(at.bank.issuer).origin);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: 'hisob-connector',
      response_type: 'code',
      redirect_uri: REQUEST.redirectUri,
      code_challenge_method: 'S256',
      state: start.state,
      scope: 'openid offline_access accounts balances transactions cards transfers',
      prompt: 'consent',
    });
    expect(String(start.pending.codeVerifier)).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(url.searchParams.get('code_challenge')).not.toBe(start.pending.codeVerifier);
  });

  it('exchanges the code for a session with a refresh token and an expiry an hour ahead', async () => {
    expect(session.refreshToken).toEqual(expect.any(String));
    const expiresIn = Date.parse(session.expiresAt!) - Date.now();
    expect(expiresIn).toBeGreaterThan(3500_000);
    expect(expiresIn).toBeLessThanOrEqual(3600_000);
    expect(session.scope).toContain('transactions');
  });

  it.each(['client_secret_post', 'private_key_jwt'] as const)(
    'authenticates at the token endpoint with %s when the deployment registered it',
    async (method) => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' };
      const other = await alifMobiAtSandbox({
        client: {
          token_endpoint_auth_method: method,
          ...(method === 'private_key_jwt' ? { jwks: { keys: [jwk] } } : {}),
        },
        env: {
          ALIF_MOBI_TOKEN_AUTH: method,
          ...(method === 'private_key_jwt'
            ? {
                ALIF_MOBI_PRIVATE_KEY: JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: 'k1' }),
              }
            : {}),
        },
      });
      try {
        const s = await other.session();
        expect((await other.connector.listAccounts(s)).items.length).toBeGreaterThan(0);
        expect((await other.connector.refresh(s)).accessToken).not.toBe(s.accessToken);
      } finally {
        await other.close();
      }
    },
  );

  it('refuses a token-endpoint authentication the bank did not register (invalid_client, never a re-authorisation)', async () => {
    const other = await alifMobiAtSandbox({ env: { ALIF_MOBI_TOKEN_AUTH: 'client_secret_post' } });
    try {
      const err = await rejection(other.session());
      expect(err).toBeInstanceOf(ProtocolViolation);
      expect(err).toMatchObject({ providerCode: 'invalid_client' });
    } finally {
      await other.close();
    }
  });

  it('turns a user refusal into ReauthRequired(authorisation_denied)', async () => {
    const denied = await at.authorise('deny');
    const err = await rejection(denied.session());
    expect(err).toBeInstanceOf(ReauthRequired);
    expect(err).toMatchObject({ reason: 'authorisation_denied', providerCode: 'access_denied' });
  });

  it('turns a reused code into ReauthRequired(invalid_grant)', async () => {
    const granted = await at.authorise();
    await granted.session();
    expect(await rejection(granted.session())).toMatchObject({
      kind: 'reauth_required',
      reason: 'invalid_grant',
    });
  });

  it('refreshes: a new access token and a rotated refresh token, the old one dead', async () => {
    const first = await at.session();
    const second = await at.connector.refresh(first);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(await rejection(at.connector.refresh(first))).toMatchObject({
      kind: 'reauth_required',
      reason: 'invalid_grant',
    });
  });

  it('asks for re-authorisation when there is no refresh token', async () => {
    expect(await rejection(at.connector.refresh({ ...session, refreshToken: null }))).toMatchObject({
      kind: 'reauth_required',
      reason: 'token_expired',
    });
  });

  it('maps the token endpoint 401 invalid_grant to ReauthRequired', async () => {
    await at.control('POST', '/faults', { match: { path: '/token' }, status: 401, times: 1 });
    expect(await rejection(at.connector.refresh(session))).toMatchObject({
      kind: 'reauth_required',
      reason: 'invalid_grant',
    });
  });

  it('maps the token endpoint 429 {"error":"rate_limit","retry_after":60} to RateLimited(60)', async () => {
    await at.control('POST', '/faults', { match: { path: '/token' }, status: 429, times: 1 });
    const err = await rejection(at.connector.refresh(session));
    expect(err).toBeInstanceOf(RateLimited);
    expect(err).toMatchObject({ retryAfterS: 60, providerCode: 'rate_limit' });
  });

  it('uses Retry-After on a token endpoint 429 without a body hint', async () => {
    await at.control('POST', '/faults', {
      match: { path: '/token' },
      status: 429,
      text: 'slow down',
      headers: { 'retry-after': '12' },
      times: 1,
    });
    expect(await rejection(at.connector.refresh(session))).toMatchObject({
      kind: 'rate_limited',
      retryAfterS: 12,
    });
  });

  it('maps a token endpoint 503, a timeout and a reset to Transient', async () => {
    await at.control('POST', '/faults', {
      match: { path: '/token' },
      status: 503,
      text: '<html>maintenance</html>',
      headers: { 'content-type': 'text/html' },
      times: 1,
    });
    expect(await rejection(at.connector.refresh(session))).toBeInstanceOf(Transient);
    await at.control('POST', '/faults', { match: { path: '/token' }, delay_ms: 1500, times: 1 });
    expect(await rejection(at.connector.refresh(session))).toBeInstanceOf(Transient);
    await at.control('POST', '/faults', { match: { path: '/token' }, reset: true, times: 1 });
    expect(await rejection(at.connector.refresh(session))).toBeInstanceOf(Transient);
  });

  it('maps a token response without access_token to ProtocolViolation without quoting tokens', async () => {
    await at.control('POST', '/faults', {
      match: { path: '/token' },
      body: { refresh_token: 'rt-secret-value', token_type: 'Bearer' },
      times: 1,
    });
    const err = await rejection(at.connector.refresh(session));
    expect(err).toBeInstanceOf(ProtocolViolation);
    expect(
      JSON.stringify({ m: (err as Error).message, e: (err as ProtocolViolation).excerpt }),
    ).not.toContain('rt-secret-value');
  });

  it('revokes the grant at the bank: its tokens stop working', async () => {
    const s = await at.session();
    await at.connector.revoke(s);
    expect(await rejection(at.connector.refresh(s))).toBeInstanceOf(ReauthRequired);
    expect(await rejection(at.connector.listAccounts(s))).toBeInstanceOf(ReauthRequired);
  });
});

describe('Alif Mobi OBP reads', () => {
  it("lists the user's accounts with the currency of each", async () => {
    const listed = await at.connector.listAccounts(session);
    expect(listed.skipped).toEqual([]);
    expect(listed.items.map((a) => [a.providerAccountId, a.currency]).sort()).toEqual(
      accounts.map((a) => [a.account_id, a.currency]).sort(),
    );
  });

  it('reads balances with a booked anchor', async () => {
    const balances = await at.connector.getBalances(session, busiest());
    expect(balances.map((b) => b.type)).toContain('booked');
  });

  it('reads cards (PAN masked) and transfers', async () => {
    const cards = await at.connector.cards!(session);
    expect(cards.items.length).toBeGreaterThan(0);
    for (const c of cards.items) expect(c.maskedPan).toMatch(/^\d{6}\*+\d{4}$/);
    const transfers = await at.connector.transfers!(session, busiest());
    expect(transfers.skipped).toEqual([]);
  });

  it('starts at the requested since date', async () => {
    const pages = await collectPages(
      at.connector.transactions(session, busiest(), null, { since: '2026-06-01' }),
    );
    const dates = pages.flatMap((p) => p.transactions.map((t) => t.date));
    expect(dates.length).toBeGreaterThan(0);
    expect(dates.every((d) => d >= '2026-06-01')).toBe(true);
  });

  it('neither repeats nor skips when new postings arrive between pages', async () => {
    const id = busiest();
    const before = await collectPages(at.connector.transactions(session, id, null));
    const ids: string[] = [];
    let advanced = false;
    for await (const page of at.connector.transactions(session, id, null)) {
      ids.push(...page.transactions.map((t) => t.providerTransactionId));
      if (!advanced) {
        await at.control('POST', '/advance', { days: 2 });
        advanced = true;
      }
    }
    expect(ids).toEqual(before.flatMap((p) => p.transactions.map((t) => t.providerTransactionId)));
  });

  it('maps a 401 OBP-20001 to ReauthRequired without quoting the token', async () => {
    const err = await rejection(at.connector.listAccounts({ ...session, accessToken: 'at-unknown' }));
    expect(err).toMatchObject({ kind: 'reauth_required', providerCode: 'OBP-20001', status: 401 });
    expect((err as Error).message).not.toContain('at-unknown');
  });

  it('maps an expired token (OBP-20206) to TokenExpired: a refresh, not a re-authorisation', async () => {
    const short = await alifMobiAtSandbox({ bank: { accessTokenTtlS: 2 } });
    try {
      const s = await short.session();
      await new Promise((r) => setTimeout(r, 2500));
      const err = await rejection(short.connector.listAccounts(s));
      expect(err).toBeInstanceOf(TokenExpired);
      expect(err).toMatchObject({ providerCode: 'OBP-20206' });
      const fresh = await short.connector.refresh(s);
      expect((await short.connector.listAccounts(fresh)).items.length).toBeGreaterThan(0);
    } finally {
      await short.close();
    }
  });

  it('maps 429 OBP-10018 to RateLimited with X-Rate-Limit-Reset', async () => {
    await at.control('POST', '/faults', {
      match: { path: '/obp/v5.1.0/my/accounts' },
      status: 429,
      reset_s: 42,
      times: 1,
    });
    const err = await rejection(at.connector.listAccounts(session));
    expect(err).toBeInstanceOf(RateLimited);
    expect(err).toMatchObject({ retryAfterS: 42 });
  });

  it('maps OBP-50005 reported as 400 to Transient', async () => {
    await at.control('POST', '/faults', {
      match: { path: '^/obp/v5\\.1\\.0/banks/[^/]+/accounts/[^/]+/balances' },
      status: 400,
      body: { code: 400, message: 'OBP-50005: An unknown error happened in the core banking system.' },
      times: 1,
    });
    expect(await rejection(at.connector.getBalances(session, busiest()))).toBeInstanceOf(Transient);
  });

  it('maps a 500, a timeout and a connection reset to Transient', async () => {
    const path = '/obp/v5.1.0/my/accounts';
    await at.control('POST', '/faults', { match: { path }, status: 500, times: 1 });
    expect(await rejection(at.connector.listAccounts(session))).toBeInstanceOf(Transient);
    await at.control('POST', '/faults', { match: { path }, delay_ms: 1500, times: 1 });
    expect(await rejection(at.connector.listAccounts(session))).toBeInstanceOf(Transient);
    await at.control('POST', '/faults', { match: { path }, reset: true, times: 1 });
    expect(await rejection(at.connector.listAccounts(session))).toBeInstanceOf(Transient);
  });

  it.each([
    ['a truncated body', { body: 'malformed' }, 'JSON'],
    [
      'an amount as a JSON number',
      {
        body: {
          transactions: [
            {
              id: '6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
              details: { completed: '2026-06-29T10:00:00Z', value: { currency: 'TJS', amount: -12.5 } },
            },
          ],
        },
      },
      '6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
    ],
    ['no transactions array', { body: { transaction: [] } }, 'transaction'],
  ])('maps %s to ProtocolViolation quoting the bank', async (_what, fault, quoted) => {
    await at.control('POST', '/faults', {
      match: { path: '^/obp/v5\\.1\\.0/banks/[^/]+/accounts/[^/]+/[^/]+/transactions' },
      times: 1,
      ...fault,
    });
    const err = await rejection(collectPages(at.connector.transactions(session, busiest(), null)));
    expect(err).toBeInstanceOf(ProtocolViolation);
    const v = err as ProtocolViolation;
    expect(`${v.message} ${v.excerpt}`).toContain(quoted);
    expect(Buffer.byteLength(v.excerpt)).toBeLessThanOrEqual(500);
  });

  it('maps a view without the permission to NotPermitted, never to a re-authorisation', async () => {
    await at.control('POST', '/faults', {
      match: { path: '^/obp/v5\\.1\\.0/banks/[^/]+/accounts/[^/]+/[^/]+/transaction-requests' },
      status: 400,
      body: { code: 400, message: 'OBP-20022: View does not permit the access.' },
      times: 1,
    });
    expect(await rejection(at.connector.transfers!(session, busiest()))).toBeInstanceOf(NotPermitted);
  });

  it('answers an unknown account with ProtocolViolation naming OBP-30018', async () => {
    const err = await rejection(at.connector.getBalances(session, 'no-such-account'));
    expect(err).toMatchObject({ kind: 'protocol_violation', status: 404, providerCode: 'OBP-30018' });
  });
});

describe('Alif Mobi against the real /cards shape', () => {
  it("masks the full PAN on arrival and leaves out another bank's cards", async () => {
    const real = await alifMobiAtSandbox({ bank: { profiles: 'real-shapes' } });
    try {
      const s = await real.session();
      const cards = await real.connector.cards!(s);
      const users = (await real.control('GET', '/users')).users.find(
        (u: { username: string }) => u.username === USER.username,
      );
      expect(cards.items).toHaveLength(users.cards.length);
      for (const c of cards.items) expect(c.maskedPan).toMatch(/^\d{6}\*+\d{4}$/);
    } finally {
      await real.close();
    }
  });
});
