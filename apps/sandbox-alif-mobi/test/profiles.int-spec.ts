/**
 * Deployment profiles: each strict behaviour's exact status, code and body, and the ledger that
 * stays the same under all of them.
 */
import type { webcrypto } from 'node:crypto';
import type { RunningSandbox } from '../src/main.js';
import { OBP_MESSAGES } from '../src/obp/obp-errors.js';
import { authorize, control, minor, obpGet, request, startSandbox } from './helpers.js';

const BANK = 'alif.tj';
const RV = 'ReadTransactionsBerlinGroup';

interface Amount {
  currency: string | null;
  amount: string | null;
}
interface Tx {
  id: string;
  details: {
    type: string | null;
    completed: string;
    posted: string;
    new_balance: Amount | null;
    value: Amount;
  };
}
interface UserInfo {
  user_id: string;
  accounts: Array<{ account_id: string; transaction_count: number }>;
}
interface Summary {
  transaction_count: number;
  sum_of_amounts: string;
  opening_balance: string;
  closing_balance: string;
  first_completed: string | null;
  last_completed: string | null;
  window_start: string | null;
  window_end: string | null;
}

const json = async <T>(res: Response): Promise<T> => (await res.json()) as T;

async function firstUser(sut: RunningSandbox): Promise<UserInfo> {
  return (await control<{ users: UserInfo[] }>(sut, 'GET', '/users')).body.users[0]!;
}

async function summary(sut: RunningSandbox, accountId: string, query = ''): Promise<Summary> {
  return (await control<Summary>(sut, 'GET', `/accounts/${accountId}/summary${query}`)).body;
}

/** Pages the full view with `limit`/`offset` headers (the two that pass a default nginx) to a short page. */
async function allViaHeaders(
  sut: RunningSandbox,
  token: string,
  path: string,
  limit: number,
  pageSize = limit,
): Promise<Tx[]> {
  const out: Tx[] = [];
  for (let offset = 0; ; offset += pageSize) {
    const res = await obpGet(sut, path, token, { limit: String(limit), offset: String(offset) });
    expect(res.status).toBe(200);
    const page = (await json<{ transactions: Tx[] }>(res)).transactions;
    out.push(...page);
    if (page.length < pageSize) return out;
  }
}

describe('profile endpoints-off', () => {
  let sut: RunningSandbox;
  let token: string;
  let account: string;
  beforeAll(async () => {
    sut = await startSandbox({ seed: 5, profiles: ['endpoints-off'] });
    token = (await authorize(sut)).accessToken;
    account = (await firstUser(sut)).accounts[0]!.account_id;
  });
  afterAll(() => sut.close());

  it('answers transaction requests 400 OBP-40018 (transactionRequests_enabled=false)', async () => {
    for (const path of [
      `/banks/${BANK}/accounts/${account}/owner/transaction-requests`,
      `/banks/${BANK}/accounts/${account}/owner/transaction-requests/00000000-0000-4000-8000-000000000000`,
    ]) {
      const res = await obpGet(sut, path, token);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        code: 400,
        message: 'OBP-40018: Sorry, Transaction Requests are not enabled in this API instance.',
      });
    }
  });

  it('answers counterparties and cards 404 OBP-10404 (api_disabled_endpoints), even without a token', async () => {
    for (const [path, auth] of [
      [`/banks/${BANK}/accounts/${account}/owner/counterparties`, token],
      [`/banks/${BANK}/accounts/${account}/owner/counterparties/x`, token],
      ['/cards', token],
      ['/cards', undefined],
    ] as const) {
      const res = await obpGet(sut, path, auth);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ code: 404, message: OBP_MESSAGES.invalidUri });
    }
    expect((await obpGet(sut, '/my/accounts', token)).status).toBe(200);
  });
});

describe('profile restricted-view', () => {
  let sut: RunningSandbox;
  let token: string;
  let user: UserInfo;
  let account: string;
  beforeAll(async () => {
    sut = await startSandbox({ seed: 5, profiles: 'restricted-view' });
    token = (await authorize(sut)).accessToken;
    user = await firstUser(sut);
    account = user.accounts[0]!.account_id;
  });
  afterAll(() => sut.close());

  it('lists the view the user holds on each account in /my/accounts, and it is not owner', async () => {
    const mine = await json<{ accounts: Array<{ id: string; views: unknown[] }> }>(
      await obpGet(sut, '/my/accounts', token),
    );
    expect(mine.accounts).toHaveLength(4);
    for (const a of mine.accounts)
      expect(a.views).toEqual([
        { id: RV, short_name: 'Readtransactionsberlingroup', description: RV, is_public: false },
      ]);
  });

  it('refuses the owner view 403 OBP-20017 and the core /my/banks endpoints 400 OBP-20019', async () => {
    const owner = await obpGet(sut, `/banks/${BANK}/accounts/${account}/owner/transactions`, token);
    expect(owner.status).toBe(403);
    expect(await owner.json()).toEqual({ code: 403, message: OBP_MESSAGES.userNoPermissionAccessView });
    for (const path of [
      `/my/banks/${BANK}/accounts/${account}/account`,
      `/my/banks/${BANK}/accounts/${account}/transactions`,
    ]) {
      const res = await obpGet(sut, path, token);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        code: 400,
        message: `OBP-20019: User does not have access to owner view. userId : ${user.user_id}. bankId : ${BANK}. accountId : ${account}`,
      });
    }
  });

  it('serves account detail and complete transactions through the held view, moderated', async () => {
    const detail = await json<Record<string, unknown>>(
      await obpGet(sut, `/banks/${BANK}/accounts/${account}/${RV}/account`, token),
    );
    expect(detail).toMatchObject({
      id: account,
      label: null,
      number: null,
      owners: [],
      balance: { currency: null, amount: null },
    });
    const sum = await summary(sut, account);
    const txs = await allViaHeaders(sut, token, `/banks/${BANK}/accounts/${account}/${RV}/transactions`, 500);
    expect(txs).toHaveLength(sum.transaction_count);
    expect(txs.reduce((s, t) => s + minor(t.details.value.amount!), 0n)).toBe(minor(sum.sum_of_amounts));
    expect(txs.every((t) => t.details.type === null && t.details.completed && t.details.posted)).toBe(true);
    expect(txs.filter((t) => t.details.new_balance?.amount).length).toBeGreaterThan(txs.length * 0.9);
    const one = await obpGet(
      sut,
      `/banks/${BANK}/accounts/${account}/${RV}/transactions/${txs[0]!.id}/transaction`,
      token,
    );
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ id: txs[0]!.id, metadata: null, details: { type: null } });
  });

  it('refuses transaction requests 400 OBP-20022, counterparties 403 OBP-30022, balances 400 OBP-30065', async () => {
    const base = `/banks/${BANK}/accounts/${account}/${RV}`;
    const expectError = async (path: string, status: number, message: string) => {
      const res = await obpGet(sut, path, token);
      expect(res.status).toBe(status);
      expect(await res.json()).toEqual({ code: status, message });
    };
    const tr = `OBP-20022: View does not permit the access. You need the \`can_see_transaction_requests\` permission on the View(${RV})`;
    await expectError(`${base}/transaction-requests`, 400, tr);
    await expectError(`${base}/transaction-requests/00000000-0000-4000-8000-000000000000`, 400, tr);
    const cp = 'OBP-30022: The current view does not have the permission:can_get_counterparty';
    await expectError(`${base}/counterparties`, 403, cp);
    await expectError(`${base}/counterparties/x`, 403, cp);
    await expectError(
      `/banks/${BANK}/accounts/${account}/balances`,
      400,
      `OBP-30065: Cannot find account access. AccountId(${account})`,
    );
    expect(await json(await obpGet(sut, `/banks/${BANK}/balances`, token))).toEqual({ accounts: [] });
  });
});

describe('profile opening-booked', () => {
  let sut: RunningSandbox;
  afterAll(() => sut.close());

  it('answers per-account balances with ONE "OpeningBooked" entry holding the current balance', async () => {
    sut = await startSandbox({ seed: 5, profiles: ['opening-booked'] });
    const token = (await authorize(sut)).accessToken;
    for (const { account_id } of (await firstUser(sut)).accounts) {
      const body = await json<{ account_id: string; balances: Array<{ type: string; amount: string }> }>(
        await obpGet(sut, `/banks/${BANK}/accounts/${account_id}/balances`, token),
      );
      expect(body.account_id).toBe(account_id);
      expect(body.balances).toHaveLength(1);
      expect(body.balances[0]!.type).toBe('OpeningBooked');
      expect(minor(body.balances[0]!.amount)).toBe(minor((await summary(sut, account_id)).closing_balance));
    }
  });
});

describe('profile nginx', () => {
  let sut: RunningSandbox;
  let token: string;
  let account: string;
  beforeAll(async () => {
    sut = await startSandbox({ seed: 5, profiles: 'nginx' });
    token = (await authorize(sut)).accessToken;
    account = (await firstUser(sut)).accounts[0]!.account_id;
  });
  afterAll(() => sut.close());

  it('drops underscore headers on the full view: to_date is ignored, limit and offset arrive, the query is not read', async () => {
    const path = `/banks/${BANK}/accounts/${account}/owner/transactions`;
    const newest = await json<{ transactions: Tx[] }>(
      await obpGet(sut, path, token, { limit: '5', offset: '2' }),
    );
    expect(newest.transactions).toHaveLength(5);
    const withToDate = await obpGet(sut, path, token, {
      limit: '5',
      offset: '2',
      to_date: '2025-01-01T00:00:00.000Z',
      sort_direction: 'ASC',
      obp_limit: '1',
    });
    expect(withToDate.status).toBe(200);
    const got = await json<{ transactions: Tx[] }>(withToDate);
    expect(got.transactions.map((t) => t.id)).toEqual(newest.transactions.map((t) => t.id));
    expect(got.transactions[0]!.details.completed > '2025-01-01T00:00:00Z').toBe(true);
    // An invalid to_date would be OBP-10026 if it arrived; it does not.
    expect((await obpGet(sut, path, token, { to_date: 'garbage' })).status).toBe(200);
    // Query parameters are not read on the full view (headers only, as OBP).
    const viaQuery = await json<{ transactions: Tx[] }>(await obpGet(sut, `${path}?limit=7`, token));
    expect(viaQuery.transactions).toHaveLength(50);
  });

  it('keeps reading query parameters on /my/banks/…/transactions', async () => {
    const core = `/my/banks/${BANK}/accounts/${account}/transactions`;
    const res = await obpGet(
      sut,
      `${core}?limit=1000&to_date=2025-01-01T00:00:00.000Z&sort_direction=ASC`,
      token,
    );
    expect(res.status).toBe(200);
    const txs = (await json<{ transactions: Tx[] }>(res)).transactions;
    expect(txs.length).toBeGreaterThan(10);
    expect(txs.every((t) => t.details.completed <= '2025-01-01T00:00:00Z')).toBe(true);
    expect(txs[0]!.details.completed <= txs[1]!.details.completed).toBe(true);
    expect(txs).toHaveLength(
      (await summary(sut, account, '?to_date=2025-01-01T00:00:00.000Z')).transaction_count,
    );
  });
});

describe('profile page-cap', () => {
  let sut: RunningSandbox;
  afterAll(() => sut.close());

  it('silently caps limit at maxPageSize (25 by default) on both transaction endpoints', async () => {
    sut = await startSandbox({ seed: 5, profiles: ['page-cap'] });
    const token = (await authorize(sut)).accessToken;
    const account = (await firstUser(sut)).accounts[0]!.account_id;
    const full = await obpGet(sut, `/banks/${BANK}/accounts/${account}/owner/transactions`, token, {
      limit: '100',
      offset: '3',
    });
    expect(full.status).toBe(200);
    expect(full.headers.get('range')).toBe('items=3-100');
    expect((await json<{ transactions: Tx[] }>(full)).transactions).toHaveLength(25);
    const core = await obpGet(sut, `/my/banks/${BANK}/accounts/${account}/transactions?limit=100`, token);
    expect((await json<{ transactions: Tx[] }>(core)).transactions).toHaveLength(25);
    const small = await obpGet(sut, `/my/banks/${BANK}/accounts/${account}/transactions?limit=7`, token);
    expect((await json<{ transactions: Tx[] }>(small)).transactions).toHaveLength(7);
    expect((await control<{ max_page_size: number }>(sut, 'GET', '/state')).body.max_page_size).toBe(25);
  });
});

describe('expired access tokens (every profile) and short-tokens', () => {
  it('answers an expired token 401 OBP-20001 <- OBP-20206, an unknown one OBP-20214', async () => {
    const sut = await startSandbox({ seed: 5, accessTokenTtlS: 1 });
    try {
      const session = await authorize(sut);
      expect(session.tokens.expires_in).toBe(1);
      expect((await obpGet(sut, '/my/accounts', session.accessToken)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 2100));
      const res = await obpGet(sut, '/my/accounts', session.accessToken);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/Bearer realm=/);
      expect(await res.json()).toEqual({
        code: 401,
        message:
          'OBP-20001: User not logged in. Authentication is required! <- OBP-20206: Bad JSON Object Signing and Encryption (JOSE) exception. The ID token is invalid or expired. Expired JWT',
      });
      const unknown = await obpGet(sut, '/my/accounts', 'no-such-token');
      expect(await unknown.json()).toEqual({
        code: 401,
        message:
          'OBP-20001: User not logged in. Authentication is required! <- OBP-20214: OAuth2 Access Token is not recognised at this instance.',
      });
    } finally {
      await sut.close();
    }
  });

  it('issues 20 s access tokens under short-tokens', async () => {
    const sut = await startSandbox({ seed: 5, profiles: 'short-tokens' });
    try {
      expect((await authorize(sut)).tokens.expires_in).toBe(20);
      expect(
        (await control<{ access_token_ttl_s: number }>(sut, 'GET', '/state')).body.access_token_ttl_s,
      ).toBe(20);
    } finally {
      await sut.close();
    }
  });
});

describe('profile real-shapes', () => {
  let sut: RunningSandbox;
  let token: string;
  let account: string;
  beforeAll(async () => {
    sut = await startSandbox({ seed: 5, profiles: ['real-shapes'] });
    token = (await authorize(sut)).accessToken;
    account = (await firstUser(sut)).accounts[0]!.account_id;
  });
  afterAll(() => sut.close());

  it('serves /cards in the v1.3.0 shape: no card_id, the full PAN, cards of every bank', async () => {
    const { cards } = await json<{ cards: Array<Record<string, unknown>> }>(
      await obpGet(sut, '/cards', token),
    );
    expect(cards.length).toBeGreaterThanOrEqual(3);
    for (const c of cards) {
      expect(c).not.toHaveProperty('card_id');
      expect(Object.keys(c)[0]).toBe('bank_id');
      const pan = c.bank_card_number as string;
      expect(pan).toMatch(/^\d{16}$/);
      let sum = 0;
      for (let i = 0; i < pan.length; i++) {
        let d = Number(pan[pan.length - 1 - i]);
        if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
      }
      expect(sum % 10).toBe(0);
    }
    const banks = new Set(cards.map((c) => c.bank_id));
    expect(banks.has(BANK)).toBe(true);
    expect(banks.size).toBeGreaterThan(1);
  });

  it('keeps transaction request details to to_*, value and description; counterparties carry routings only', async () => {
    const trs = await json<{
      transaction_requests_with_charges: Array<{ details: Record<string, unknown> }>;
    }>(await obpGet(sut, `/banks/${BANK}/accounts/${account}/owner/transaction-requests`, token));
    expect(trs.transaction_requests_with_charges.length).toBeGreaterThan(0);
    for (const t of trs.transaction_requests_with_charges)
      expect(
        Object.keys(t.details).every((k) => k.startsWith('to_') || k === 'value' || k === 'description'),
      ).toBe(true);
    const { counterparties } = await json<{ counterparties: Array<Record<string, unknown>> }>(
      await obpGet(sut, `/banks/${BANK}/accounts/${account}/owner/counterparties`, token),
    );
    expect(counterparties.length).toBeGreaterThan(0);
    for (const cp of counterparties) {
      expect(cp.bespoke).toEqual([]);
      expect(cp.other_bank_routing_scheme).toBe('BIC');
      expect(cp.other_bank_routing_address).toMatch(/^[A-Z0-9]{8,11}$/);
      expect(cp.other_account_routing_address).toEqual(expect.any(String));
    }
    expect(counterparties.some((cp) => cp.other_account_routing_scheme === 'IBAN')).toBe(true);
  });
});

describe('profile hydra-scopes', () => {
  let sut: RunningSandbox;
  beforeAll(async () => {
    sut = await startSandbox({ seed: 5, profiles: ['hydra-scopes'] });
  });
  afterAll(() => sut.close());

  const HYDRA =
    'openid offline ReadAccountsBasic ReadBalances ReadTransactionsDetail ReadCards ReadTransactionRequests';

  it('grants the OBP/Hydra scope names, with a refresh token for offline', async () => {
    const meta = await json<{ scopes_supported: string[] }>(
      await request(`${sut.url}/.well-known/openid-configuration`),
    );
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(HYDRA.split(' ')));
    expect(meta.scopes_supported).not.toContain('accounts');
    const session = await authorize(sut, { scope: HYDRA });
    expect(session.tokens.scope?.split(' ').sort()).toEqual(HYDRA.split(' ').sort());
    expect(session.tokens.refresh_token).toEqual(expect.any(String));
    const account = (await firstUser(sut)).accounts[0]!.account_id;
    for (const path of [
      '/my/accounts',
      '/cards',
      `/banks/${BANK}/accounts/${account}/balances`,
      `/banks/${BANK}/accounts/${account}/owner/transactions`,
      `/banks/${BANK}/accounts/${account}/owner/transaction-requests`,
    ])
      expect((await obpGet(sut, path, session.accessToken)).status).toBe(200);
  });

  it('ignores the permission names (not granted)', async () => {
    const session = await authorize(sut, { scope: 'openid accounts ReadCards' });
    expect(session.tokens.scope?.split(' ').sort()).toEqual(['ReadCards', 'openid']);
    const res = await obpGet(sut, '/my/accounts', session.accessToken);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ code: 403, message: OBP_MESSAGES.viewDoesNotPermitAccess });
    expect((await obpGet(sut, '/cards', session.accessToken)).status).toBe(200);
  });
});

describe('profile strict', () => {
  let strict: RunningSandbox;
  let plain: RunningSandbox;
  beforeAll(async () => {
    [strict, plain] = await Promise.all([
      startSandbox({ seed: 9, profiles: 'strict' }),
      startSandbox({ seed: 9 }),
    ]);
  });
  afterAll(() => Promise.all([strict.close(), plain.close()]));

  it('reports every profile in /__sandbox/state, and accepts a comma list', async () => {
    const state = (await control<{ profiles: string[] }>(strict, 'GET', '/state')).body;
    expect(state.profiles).toEqual([
      'endpoints-off',
      'restricted-view',
      'opening-booked',
      'nginx',
      'page-cap',
      'short-tokens',
      'real-shapes',
      'hydra-scopes',
    ]);
    expect((await control<{ profiles: string[] }>(plain, 'GET', '/state')).body.profiles).toEqual([]);
    const two = await startSandbox({ seed: 9, size: 100, profiles: 'page-cap,nginx' });
    try {
      expect((await control<{ profiles: string[] }>(two, 'GET', '/state')).body.profiles).toEqual([
        'nginx',
        'page-cap',
      ]);
    } finally {
      await two.close();
    }
    await expect(startSandbox({ profiles: ['nope'] })).rejects.toThrow(/unknown profile "nope"/);
  });

  it('keeps the ledger: same summaries, and the whole history pages out through the held view', async () => {
    const session = await authorize(strict, {
      scope: 'openid offline ReadAccountsBasic ReadBalances ReadTransactionsDetail',
    });
    const user = await firstUser(strict);
    expect(user).toEqual(await firstUser(plain));
    const mine = await json<{ accounts: Array<{ id: string; views: Array<{ id: string }> }> }>(
      await obpGet(strict, '/my/accounts', session.accessToken),
    );
    for (const a of mine.accounts) {
      const [s1, s2] = [await summary(strict, a.id), await summary(plain, a.id)];
      expect(s1).toEqual(s2);
      const view = a.views[0]!.id;
      // limit 100 is capped at 25: a client that reads a short page as the end must use the page it got.
      const txs = await allViaHeaders(
        strict,
        session.accessToken,
        `/banks/${BANK}/accounts/${a.id}/${view}/transactions`,
        100,
        25,
      );
      expect(txs).toHaveLength(s1.transaction_count);
      expect(new Set(txs.map((t) => t.id)).size).toBe(txs.length);
      expect(txs.reduce((s, t) => s + minor(t.details.value.amount!), 0n)).toBe(minor(s1.sum_of_amounts));
    }
  });
});

describe('token-endpoint client authentication', () => {
  let sut: RunningSandbox;
  beforeAll(async () => {
    sut = await startSandbox({ seed: 5, size: 200 });
  });
  afterAll(() => sut.close());

  const REDIRECT = 'http://127.0.0.1:3000/v1/consents/callback';

  async function codeFlow(
    clientId: string,
    auth: import('openid-client').ClientAuth,
  ): Promise<{ ok: true } | { ok: false; error: string; status: number }> {
    const oidc = await import('openid-client');
    const { completeSca, startAuthorization } = await import('./helpers.js');
    const config = await oidc.discovery(new URL(sut.issuer), clientId, undefined, auth, {
      execute: [oidc.allowInsecureRequests],
    });
    const start = await startAuthorization(sut, { config, scope: 'openid accounts' });
    const callback = await completeSca(sut, start);
    try {
      await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: start.verifier,
        expectedState: start.state,
      });
      return { ok: true };
    } catch (e) {
      const err = e as { error?: string; status?: number };
      return { ok: false, error: String(err.error), status: Number(err.status) };
    }
  }

  it('enforces client_secret_post for a client registered with it', async () => {
    const oidc = await import('openid-client');
    const reg = await control(sut, 'POST', '/clients', {
      client_id: 'post-client',
      client_secret: 'post-client-secret',
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'client_secret_post',
    });
    expect(reg.status).toBe(201);
    expect(reg.body).toMatchObject({ token_endpoint_auth_method: 'client_secret_post' });
    expect(await codeFlow('post-client', oidc.ClientSecretPost('post-client-secret'))).toEqual({ ok: true });
    expect(await codeFlow('post-client', oidc.ClientSecretBasic('post-client-secret'))).toEqual({
      ok: false,
      error: 'invalid_client',
      status: 401,
    });
  });

  it('enforces client_secret_basic (the default) and refuses the secret in the body', async () => {
    const oidc = await import('openid-client');
    expect(await codeFlow('hisob', oidc.ClientSecretBasic('hisob-sandbox-secret'))).toEqual({ ok: true });
    expect(await codeFlow('hisob', oidc.ClientSecretPost('hisob-sandbox-secret'))).toEqual({
      ok: false,
      error: 'invalid_client',
      status: 401,
    });
  });

  it('enforces private_key_jwt with the registered public JWK set', async () => {
    const oidc = await import('openid-client');
    const { privateKey, publicKey } = (await crypto.subtle.generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      true,
      ['sign', 'verify'],
    )) as { publicKey: webcrypto.CryptoKey; privateKey: webcrypto.CryptoKey };
    const jwk = { ...(await crypto.subtle.exportKey('jwk', publicKey)), kid: 'k1', use: 'sig', alg: 'RS256' };
    delete (jwk as Record<string, unknown>).key_ops;
    delete (jwk as Record<string, unknown>).ext;
    const reg = await control(sut, 'POST', '/clients', {
      client_id: 'jwt-client',
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [jwk] },
    });
    expect(reg.status).toBe(201);
    expect(await codeFlow('jwt-client', oidc.PrivateKeyJwt({ key: privateKey, kid: 'k1' }))).toEqual({
      ok: true,
    });
    expect(await codeFlow('jwt-client', oidc.ClientSecretBasic('some-secret-123'))).toEqual({
      ok: false,
      error: 'invalid_client',
      status: 401,
    });
    const bad = await control(sut, 'POST', '/clients', {
      client_id: 'jwt-client-2',
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'private_key_jwt',
    });
    expect(bad.status).toBe(400);
  });
});

describe('the clock and the summary by local date', () => {
  it('ends history today by default (live clock) and serves nothing completed after now', async () => {
    const sut = await startSandbox({ seed: 5, size: 3000, anchorDate: undefined });
    try {
      const state = (await control<{ today: string; clock: string }>(sut, 'GET', '/state')).body;
      expect(state.clock).toBe('live');
      expect(state.today).toBe(new Date().toISOString().slice(0, 10));
      const token = (await authorize(sut)).accessToken;
      const nowIso = new Date().toISOString().slice(0, 19) + 'Z';
      for (const { account_id } of (await firstUser(sut)).accounts) {
        const sum = await summary(sut, account_id);
        if (sum.last_completed) expect(sum.last_completed <= nowIso).toBe(true);
        const page = await json<{ transactions: Tx[] }>(
          await obpGet(sut, `/banks/${BANK}/accounts/${account_id}/owner/transactions`, token, {
            limit: '1',
          }),
        );
        if (page.transactions[0]) expect(page.transactions[0].details.completed <= nowIso).toBe(true);
      }
    } finally {
      await sut.close();
    }
  });

  it('windows the summary on the completed instant’s calendar date in tz, with consistent balances', async () => {
    const sut = await startSandbox({ seed: 5 });
    try {
      const token = (await authorize(sut)).accessToken;
      const account = (await firstUser(sut)).accounts[0]!.account_id;
      const all = await allViaHeaders(
        sut,
        token,
        `/banks/${BANK}/accounts/${account}/owner/transactions`,
        5000,
      );
      const local = (t: Tx) =>
        new Date(Date.parse(t.details.completed) + 5 * 3600_000).toISOString().slice(0, 10);
      const inWindow = all.filter((t) => local(t) >= '2025-03-01' && local(t) <= '2025-03-31');
      const sum = await summary(sut, account, '?from_date=2025-03-01&to_date=2025-03-31&tz=Asia/Dushanbe');
      expect(sum.window_start).toBe('2025-02-28T19:00:00Z');
      expect(sum.window_end).toBe('2025-03-31T18:59:59Z');
      expect(sum.transaction_count).toBe(inWindow.length);
      expect(minor(sum.sum_of_amounts)).toBe(
        inWindow.reduce((s, t) => s + minor(t.details.value.amount!), 0n),
      );
      expect(minor(sum.closing_balance) - minor(sum.opening_balance)).toBe(minor(sum.sum_of_amounts));
      // An entry completed at 19:00 UTC or later belongs to the next calendar day in Dushanbe.
      const late = all.find((t) => t.details.completed.slice(11, 13) >= '19')!;
      const day = late.details.completed.slice(0, 10);
      const q = `?from_date=${day}&to_date=${day}`;
      const utcDay = await summary(sut, account, q);
      const localDay = await summary(sut, account, `${q}&tz=Asia/Dushanbe`);
      expect(utcDay.window_start).toBe(`${day}T00:00:00Z`);
      expect(utcDay.last_completed! >= late.details.completed).toBe(true);
      expect(localDay.last_completed === null || localDay.last_completed < `${day}T19:00:00Z`).toBe(true);
      for (const s of [utcDay, localDay])
        expect(minor(s.closing_balance) - minor(s.opening_balance)).toBe(minor(s.sum_of_amounts));
      expect((await control(sut, 'GET', `/accounts/${account}/summary?tz=Mars/Olympus`)).status).toBe(400);
    } finally {
      await sut.close();
    }
  });
});
