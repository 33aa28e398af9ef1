import { ProtocolViolation, RateLimited, ReauthRequired, Transient } from '../connector-errors.js';
import type { AuthorisationStart, BankSession, ConsentRequest } from '../connector.js';
import { collectPages } from '../testing/contract.suite.js';
import { createAlifMobiConnector, type AlifMobiConnector } from './alif-mobi.connector.js';
import {
  BANK_ID,
  CLIENT_ID,
  CLIENT_SECRET,
  FixtureBank,
  TJS_ACCOUNT,
  USD_ACCOUNT,
  fixture,
  fixtureText,
} from './fixtures/fixture-bank.js';

const NOW = new Date('2026-03-02T00:00:00Z');
const REQUEST: ConsentRequest = {
  consentId: '7b0a2c4e-1b7f-4c83-9b3e-2f0a9d1e5c11',
  permissions: ['accounts', 'balances', 'transactions', 'statements', 'cards'],
  redirectUri: 'http://127.0.0.1:3000/v1/consents/callback',
  validUntil: null,
  msisdn: null,
};

let bank: FixtureBank;
let sut: AlifMobiConnector;

beforeAll(async () => {
  bank = await new FixtureBank(25).start();
  sut = createAlifMobiConnector(
    {
      issuerUrl: bank.issuer,
      obpUrl: bank.obpUrl,
      bankId: BANK_ID,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      pageSize: 10,
      timeoutMs: 300,
    },
    { now: () => NOW },
  );
});

afterAll(() => bank.stop());

afterEach(() => bank.clearFaults());

function redirect(start: AuthorisationStart) {
  if (start.kind !== 'redirect') throw new Error('expected a redirect start');
  return start;
}

async function authorise(): Promise<BankSession> {
  const start = redirect(await sut.startAuthorisation(REQUEST));
  const callbackParams = await bank.authorize(start.authorisationUrl);
  return sut.completeAuthorisation({ kind: 'redirect', callbackParams, pending: start.pending });
}

const session = (): BankSession => ({
  accessToken: bank.issueAccessToken(),
  refreshToken: null,
  expiresAt: null,
  scope: null,
  state: null,
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('Alif Mobi authorisation (OAuth2 code + PKCE)', () => {
  it('builds an authorisation URL with PKCE S256, state, scope and prompt=consent', async () => {
    const start = redirect(await sut.startAuthorisation(REQUEST));
    const url = new URL(start.authorisationUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${bank.issuer}/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: CLIENT_ID,
      response_type: 'code',
      redirect_uri: REQUEST.redirectUri,
      code_challenge_method: 'S256',
      state: start.state,
      scope: 'openid offline_access accounts balances transactions cards',
      prompt: 'consent',
    });
    expect(start.pending).toMatchObject({ state: start.state, redirectUri: REQUEST.redirectUri });
    expect(String(start.pending.codeVerifier)).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(url.searchParams.get('code_challenge')).not.toBe(start.pending.codeVerifier);
  });

  it('exchanges the code for a session with refresh token and expiry', async () => {
    const sut2 = await authorise();
    expect(sut2).toMatchObject({
      refreshToken: expect.stringMatching(/^rt-/),
      expiresAt: '2026-03-02T01:00:00Z',
      state: null,
    });
    expect(sut2.scope).toContain('transactions');
    expect((await sut.listAccounts(sut2)).items).toHaveLength(2);
  });

  it('sends client credentials with client_secret_basic', async () => {
    await authorise();
    const token = bank.requests.filter((r) => r.path === '/token').at(-1);
    expect(token?.headers.authorization).toMatch(/^Basic /);
  });

  it('turns a user refusal into ReauthRequired(authorisation_denied)', async () => {
    const start = redirect(await sut.startAuthorisation(REQUEST));
    const callbackParams = await bank.authorize(start.authorisationUrl, 'deny');
    const err = await rejection(
      sut.completeAuthorisation({ kind: 'redirect', callbackParams, pending: start.pending }),
    );
    expect(err).toBeInstanceOf(ReauthRequired);
    expect(err).toMatchObject({ reason: 'authorisation_denied', providerCode: 'access_denied' });
  });

  it('turns a reused code into ReauthRequired(invalid_grant)', async () => {
    const start = redirect(await sut.startAuthorisation(REQUEST));
    const callbackParams = await bank.authorize(start.authorisationUrl);
    await sut.completeAuthorisation({ kind: 'redirect', callbackParams, pending: start.pending });
    const err = await rejection(
      sut.completeAuthorisation({ kind: 'redirect', callbackParams, pending: start.pending }),
    );
    expect(err).toMatchObject({ kind: 'reauth_required', reason: 'invalid_grant' });
  });

  it('refuses a callback whose state is not the one stored', async () => {
    const start = redirect(await sut.startAuthorisation(REQUEST));
    const callbackParams = { ...(await bank.authorize(start.authorisationUrl)), state: 'forged' };
    const err = await rejection(
      sut.completeAuthorisation({ kind: 'redirect', callbackParams, pending: start.pending }),
    );
    expect(err).toBeInstanceOf(ProtocolViolation);
  });

  it('refreshes: a new access token and a rotated refresh token, the old one dead', async () => {
    const first = await authorise();
    const second = await sut.refresh(first);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const err = await rejection(sut.refresh(first));
    expect(err).toMatchObject({ kind: 'reauth_required', reason: 'invalid_grant' });
  });

  it('asks for re-authorisation when there is no refresh token', async () => {
    expect(await rejection(sut.refresh(session()))).toMatchObject({
      kind: 'reauth_required',
      reason: 'token_expired',
    });
  });

  it('maps the token endpoint 401 invalid_grant to ReauthRequired', async () => {
    const s = await authorise();
    bank.fault({ path: '/token', status: 401, body: fixture('token-invalid-grant.json') });
    expect(await rejection(sut.refresh(s))).toMatchObject({
      kind: 'reauth_required',
      reason: 'invalid_grant',
      status: 401,
    });
  });

  it('maps the token endpoint 429 {"error":"rate_limit","retry_after":60} to RateLimited(60)', async () => {
    const s = await authorise();
    bank.fault({ path: '/token', status: 429, body: fixture('token-rate-limit.json') });
    const err = await rejection(sut.refresh(s));
    expect(err).toBeInstanceOf(RateLimited);
    expect(err).toMatchObject({ retryAfterS: 60, providerCode: 'rate_limit' });
  });

  it('uses Retry-After on a token endpoint 429 without a body hint', async () => {
    const s = await authorise();
    bank.fault({
      path: '/token',
      status: 429,
      body: 'slow down',
      headers: { 'content-type': 'text/plain', 'retry-after': '12' },
    });
    expect(await rejection(sut.refresh(s))).toMatchObject({ kind: 'rate_limited', retryAfterS: 12 });
  });

  it('maps a token endpoint 503, a timeout and a reset to Transient', async () => {
    const s = await authorise();
    bank.fault({
      path: '/token',
      status: 503,
      body: '<html>maintenance</html>',
      headers: { 'content-type': 'text/html' },
    });
    expect(await rejection(sut.refresh(s))).toBeInstanceOf(Transient);
    bank.fault({ path: '/token', delayMs: 1500, status: 200, body: {} });
    expect(await rejection(sut.refresh(s))).toBeInstanceOf(Transient);
    bank.fault({ path: '/token', reset: true });
    expect(await rejection(sut.refresh(s))).toBeInstanceOf(Transient);
  });

  it('maps a token response without access_token to ProtocolViolation without quoting tokens', async () => {
    const s = await authorise();
    bank.fault({
      path: '/token',
      status: 200,
      body: { refresh_token: 'rt-secret-value', token_type: 'Bearer' },
    });
    const err = await rejection(sut.refresh(s));
    expect(err).toBeInstanceOf(ProtocolViolation);
    expect(
      JSON.stringify({ m: (err as Error).message, e: (err as ProtocolViolation).excerpt }),
    ).not.toContain('rt-secret-value');
  });

  it('revokes the refresh token at the bank', async () => {
    const s = await authorise();
    await sut.revoke(s);
    expect(bank.isRevoked(s.refreshToken as string)).toBe(true);
    expect(await rejection(sut.refresh(s))).toBeInstanceOf(ReauthRequired);
  });
});

describe('Alif Mobi OBP reads', () => {
  it('lists the accounts of this bank only, with currency from each account detail', async () => {
    const accounts = (await sut.listAccounts(session())).items;
    expect(accounts.map((a) => [a.providerAccountId, a.currency, a.type])).toEqual([
      [TJS_ACCOUNT, 'TJS', 'wallet'],
      [USD_ACCOUNT, 'USD', 'savings'],
    ]);
  });

  it('reads balances', async () => {
    const balances = await sut.getBalances(session(), TJS_ACCOUNT);
    expect(balances.map((b) => b.type)).toEqual(['booked', 'available', 'opening_booked']);
  });

  it('reads cards and transfers', async () => {
    const s = session();
    expect((await sut.cards(s)).items.map((c) => c.maskedPan)).toEqual([
      '444433******1111',
      '555544******1111',
      '970712******4455',
    ]);
    const transfers = (await sut.transfers(s, TJS_ACCOUNT)).items;
    expect(transfers.map((t) => [t.status, t.counterpartyName])).toEqual([
      ['completed', 'John Smith'],
      ['pending', 'Ivan Petrov'],
      ['failed', null],
    ]);
  });

  it('sends paging and the window both as headers and as query parameters, with millisecond dates', async () => {
    await collectPages(sut.transactions(session(), TJS_ACCOUNT, null));
    const first = bank.requests.filter((r) => r.path.endsWith('/owner/transactions'))[0]!;
    const expected = {
      limit: '10',
      offset: '0',
      from_date: '1970-01-01T00:00:00.000Z',
      to_date: '2026-03-01T23:59:59.999Z',
      sort_direction: 'DESC',
    };
    expect(first.headers).toMatchObject(expected);
    expect(Object.fromEntries(first.query)).toEqual(expected);
    expect(first.headers.authorization).toMatch(/^Bearer at-/);
  });

  it('pages 25 entries in 3 pages with ties across page boundaries, each exactly once', async () => {
    const pages = await collectPages(sut.transactions(session(), TJS_ACCOUNT, null));
    expect(pages.map((p) => [p.transactions.length, p.done])).toEqual([
      [10, false],
      [9, false], // the boundary second is re-read from its start; its delivered entry is dropped
      [6, true],
    ]);
    const ids = pages.flatMap((p) => p.transactions.map((t) => t.providerTransactionId));
    expect(new Set(ids).size).toBe(25);
  });

  it('starts at the requested since date', async () => {
    const pages = await collectPages(sut.transactions(session(), TJS_ACCOUNT, null, { since: '2026-03-01' }));
    const dates = pages.flatMap((p) => p.transactions.map((t) => t.date));
    expect(dates.length).toBeGreaterThan(0);
    expect(dates.every((d) => d === '2026-03-01')).toBe(true);
  });

  it('neither repeats nor skips when new postings arrive between pages', async () => {
    const s = session();
    const before = await collectPages(sut.transactions(s, TJS_ACCOUNT, null));
    const ids: string[] = [];
    let n = 0;
    for await (const page of sut.transactions(s, TJS_ACCOUNT, null)) {
      ids.push(...page.transactions.map((t) => t.providerTransactionId));
      bank.post(TJS_ACCOUNT, {
        id: `live-${n++}`,
        completed: '2026-03-01T23:59:59Z',
        amount: '-1',
        description: 'new',
      });
    }
    expect(ids).toEqual(before.flatMap((p) => p.transactions.map((t) => t.providerTransactionId)));
  });

  it('maps a 401 OBP-20001 to ReauthRequired', async () => {
    const expired: BankSession = { ...session(), accessToken: 'at-unknown' };
    const err = await rejection(sut.listAccounts(expired));
    expect(err).toMatchObject({ kind: 'reauth_required', providerCode: 'OBP-20001', status: 401 });
    expect((err as Error).message).not.toContain('at-unknown');
  });

  it('maps 429 OBP-10018 to RateLimited with X-Rate-Limit-Reset', async () => {
    bank.fault({
      path: '/owner/transactions',
      status: 429,
      body: fixture('error-429-rate-limit.json'),
      headers: { 'x-rate-limit-limit': '60', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': '42' },
    });
    const err = await rejection(collectPages(sut.transactions(session(), TJS_ACCOUNT, null)));
    expect(err).toBeInstanceOf(RateLimited);
    expect(err).toMatchObject({ retryAfterS: 42 });
  });

  it('maps OBP-50005 reported as 400 to Transient', async () => {
    bank.fault({ path: '/balances', status: 400, body: fixture('error-400-core-banking.json') });
    expect(await rejection(sut.getBalances(session(), TJS_ACCOUNT))).toBeInstanceOf(Transient);
  });

  it('maps a 500, a timeout and a connection reset to Transient', async () => {
    bank.fault({
      path: '/my/accounts',
      status: 500,
      body: { code: 500, message: 'OBP-50000: Unknown Error.' },
    });
    expect(await rejection(sut.listAccounts(session()))).toBeInstanceOf(Transient);
    bank.fault({ path: '/my/accounts', delayMs: 1000, status: 200, body: fixture('my-accounts.json') });
    expect(await rejection(sut.listAccounts(session()))).toBeInstanceOf(Transient);
    bank.fault({ path: '/my/accounts', reset: true });
    expect(await rejection(sut.listAccounts(session()))).toBeInstanceOf(Transient);
  });

  it.each([
    ['a truncated body', fixtureText('transactions-truncated.txt'), 'JSON'],
    [
      'an amount as a JSON number',
      fixtureText('transactions-amount-number.json'),
      '6c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
    ],
    ['no transactions array', fixtureText('transactions-missing-array.json'), 'transaction'],
    ['an amount with surplus precision', fixtureText('transactions-surplus-precision.json'), '109.235'],
  ])('maps %s to ProtocolViolation quoting the bank', async (_what, body, quoted) => {
    bank.fault({ path: '/owner/transactions', status: 200, body });
    const err = await rejection(collectPages(sut.transactions(session(), TJS_ACCOUNT, null)));
    expect(err).toBeInstanceOf(ProtocolViolation);
    const v = err as ProtocolViolation;
    expect(`${v.message} ${v.excerpt}`).toContain(quoted);
    expect(Buffer.byteLength(v.excerpt)).toBeLessThanOrEqual(500);
  });

  it('maps an unknown OBP refusal to ProtocolViolation', async () => {
    bank.fault({ path: '/owner/transactions', status: 400, body: fixture('error-400-bad-date.json') });
    const err = await rejection(collectPages(sut.transactions(session(), TJS_ACCOUNT, null)));
    expect(err).toMatchObject({ kind: 'protocol_violation', providerCode: 'OBP-10016' });
  });

  it('answers an unknown account with ProtocolViolation naming OBP-30018', async () => {
    const err = await rejection(sut.getBalances(session(), 'no-such-account'));
    expect(err).toMatchObject({ kind: 'protocol_violation', status: 404, providerCode: 'OBP-30018' });
  });
});
