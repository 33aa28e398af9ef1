import * as client from 'openid-client';

import type { RunningSandbox } from '../src/main.js';
import {
  ALL_SCOPES,
  CLIENT_ID,
  CLIENT_SECRET,
  REDIRECT_URI,
  USER,
  authorize,
  completeSca,
  control,
  discover,
  obpGet,
  request,
  startAuthorization,
  startSandbox,
} from './helpers.js';

describe('Alif Mobi sandbox: OAuth 2.0 / OIDC with SCA', () => {
  let sut: RunningSandbox;

  beforeAll(async () => {
    sut = await startSandbox();
  });
  afterAll(async () => {
    await sut.close();
  });

  const basic = (id = CLIENT_ID, secret = CLIENT_SECRET) =>
    `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

  it('publishes discovery: code + PKCE S256 only, the client auth methods, revocation, the consent scopes', async () => {
    const res = await request(`${sut.url}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    expect(res.headers.get('correlation-id')).toBeTruthy();
    const meta = (await res.json()) as Record<string, unknown>;
    expect(meta.issuer).toBe(sut.issuer);
    expect(meta.response_types_supported).toEqual(['code']);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.token_endpoint_auth_methods_supported).toEqual([
      'client_secret_basic',
      'client_secret_post',
      'private_key_jwt',
    ]);
    expect(meta.grant_types_supported).toEqual(
      expect.arrayContaining(['authorization_code', 'refresh_token']),
    );
    expect(meta.revocation_endpoint).toBe(`${sut.url}/token/revocation`);
    expect(meta.scopes_supported).toEqual(expect.arrayContaining(ALL_SCOPES.split(' ')));
  });

  it('runs the PKCE code flow through the login, OTP and consent pages and issues 3600 s tokens', async () => {
    const session = await authorize(sut);
    expect(session.tokens.token_type.toLowerCase()).toBe('bearer');
    expect(session.tokens.expires_in).toBe(3600);
    expect(session.tokens.refresh_token).toEqual(expect.any(String));
    expect(session.tokens.scope?.split(' ').sort()).toEqual(ALL_SCOPES.split(' ').sort());
    const claims = session.tokens.claims();
    expect(claims?.amr).toEqual(['pwd', 'otp']);
    expect(claims?.iss).toBe(sut.issuer);

    const accounts = await obpGet(sut, '/my/accounts', session.accessToken);
    expect(accounts.status).toBe(200);
    const body = (await accounts.json()) as { accounts: unknown[] };
    expect(body.accounts).toHaveLength(4);
  });

  it('shows the requested permissions on the consent screen', async () => {
    const start = await startAuthorization(sut, { scope: 'openid accounts balances' });
    await request(`${start.interactionUrl}`, { jar: start.jar });
    await request(`${start.interactionUrl}/login`, {
      jar: start.jar,
      form: { username: USER.username, password: USER.password },
    });
    await request(`${start.interactionUrl}/otp`, { jar: start.jar, form: { otp: USER.otp } });
    const html = await (await request(start.interactionUrl, { jar: start.jar })).text();
    expect(html).toContain('<code>accounts</code>');
    expect(html).toContain('<code>balances</code>');
    expect(html).not.toContain('<code>transactions</code>');
  });

  it('issues no refresh token without offline_access, and scopes gate OBP resources', async () => {
    const session = await authorize(sut, { scope: 'openid accounts' });
    expect(session.tokens.refresh_token).toBeUndefined();
    expect((await obpGet(sut, '/my/accounts', session.accessToken)).status).toBe(200);
    const cards = await obpGet(sut, '/cards', session.accessToken);
    expect(cards.status).toBe(403);
    expect(((await cards.json()) as { message: string }).message).toMatch(/^OBP-20022: /);
  });

  it('refreshes with rotation: the new refresh token works, and the used one answers 401 invalid_grant', async () => {
    const session = await authorize(sut);
    const first = session.tokens.refresh_token!;
    const refreshed = await client.refreshTokenGrant(session.config, first);
    expect(refreshed.access_token).not.toBe(session.accessToken);
    expect(refreshed.expires_in).toBe(3600);
    expect(refreshed.refresh_token).toBeDefined();
    expect(refreshed.refresh_token).not.toBe(first);
    expect((await obpGet(sut, '/my/accounts', refreshed.access_token)).status).toBe(200);

    const again = await client.refreshTokenGrant(session.config, refreshed.refresh_token!);
    expect(again.access_token).toBeDefined();

    await expect(client.refreshTokenGrant(session.config, first)).rejects.toMatchObject({
      status: 401,
      error: 'invalid_grant',
    });
    // Reuse detection: presenting a consumed refresh token revokes the whole grant.
    await expect(client.refreshTokenGrant(session.config, again.refresh_token!)).rejects.toMatchObject({
      status: 401,
      error: 'invalid_grant',
    });
    expect((await obpGet(sut, '/my/accounts', again.access_token)).status).toBe(401);
  });

  it('revokes a refresh token (RFC 7009): refreshing then fails with 401 invalid_grant and the grant is gone', async () => {
    const session = await authorize(sut);
    await client.tokenRevocation(session.config, session.tokens.refresh_token!, {
      token_type_hint: 'refresh_token',
    });
    await expect(
      client.refreshTokenGrant(session.config, session.tokens.refresh_token!),
    ).rejects.toMatchObject({ status: 401, error: 'invalid_grant' });
    const res = await obpGet(sut, '/my/accounts', session.accessToken);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer realm=');
    expect(((await res.json()) as { message: string }).message).toMatch(/^OBP-20001: .* <- OBP-20214: /);
  });

  it('answers an unknown authorization code with 401 {"error":"invalid_grant"}', async () => {
    const res = await request(`${sut.url}/token`, {
      headers: { authorization: basic() },
      form: {
        grant_type: 'authorization_code',
        code: 'not-a-real-code',
        redirect_uri: REDIRECT_URI,
        code_verifier: client.randomPKCECodeVerifier(),
      },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('rejects a code exchange without the PKCE verifier', async () => {
    const start = await startAuthorization(sut);
    const callback = await completeSca(sut, start);
    const code = callback.searchParams.get('code')!;
    const res = await request(`${sut.url}/token`, {
      headers: { authorization: basic() },
      form: { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('requires PKCE on the authorization request', async () => {
    const url = new URL(`${sut.url}/auth`);
    url.search = new URLSearchParams({
      client_id: CLIENT_ID,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid accounts',
      state: 'abc',
    }).toString();
    const res = await request(url);
    const location = new URL(res.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('state')).toBe('abc');
  });

  it('accepts only the registered client_secret_basic at the token endpoint', async () => {
    const res = await request(`${sut.url}/token`, {
      form: {
        grant_type: 'refresh_token',
        refresh_token: 'x',
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
      },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('lets the user retry a wrong password and a wrong code, then completes', async () => {
    const start = await startAuthorization(sut);
    const { jar, interactionUrl } = start;
    await request(interactionUrl, { jar });
    const wrong = await request(`${interactionUrl}/login`, {
      jar,
      form: { username: USER.username, password: 'nope' },
    });
    expect(wrong.status).toBe(200);
    expect(await wrong.text()).toContain('Wrong username or password. 4 attempts left.');
    expect(
      (
        await request(`${interactionUrl}/login`, {
          jar,
          form: { username: USER.username, password: USER.password },
        })
      ).status,
    ).toBe(303);
    const badOtp = await request(`${interactionUrl}/otp`, { jar, form: { otp: '000000' } });
    expect(await badOtp.text()).toContain('Wrong code. 2 attempts left.');
    expect((await request(`${interactionUrl}/otp`, { jar, form: { otp: USER.otp } })).status).toBe(303);
    const confirm = await request(`${interactionUrl}/confirm`, { jar, form: { decision: 'allow' } });
    expect(confirm.status).toBe(303);
  });

  it('ends the flow with access_denied after 3 wrong one-time codes', async () => {
    const start = await startAuthorization(sut);
    const { jar, interactionUrl } = start;
    await request(`${interactionUrl}/login`, {
      jar,
      form: { username: USER.username, password: USER.password },
    });
    await request(`${interactionUrl}/otp`, { jar, form: { otp: '111111' } });
    await request(`${interactionUrl}/otp`, { jar, form: { otp: '222222' } });
    const last = await request(`${interactionUrl}/otp`, { jar, form: { otp: '333333' } });
    const { followUntilExternal } = await import('./helpers.js');
    const callback = await followUntilExternal(sut, last, jar);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(start.state);
  });

  it('ends the flow with access_denied after 5 wrong passwords', async () => {
    const start = await startAuthorization(sut);
    const { jar, interactionUrl } = start;
    let res: Response | undefined;
    for (let i = 0; i < 5; i++)
      res = await request(`${interactionUrl}/login`, {
        jar,
        form: { username: 'dilnoza', password: `bad-${i}` },
      });
    expect(res!.status).toBe(303);
    const { followUntilExternal } = await import('./helpers.js');
    const callback = await followUntilExternal(sut, res!, jar);
    expect(callback.searchParams.get('error')).toBe('access_denied');
  });

  it('returns error=access_denied to the redirect_uri when the user denies consent', async () => {
    const start = await startAuthorization(sut);
    const callback = await completeSca(sut, start, { decision: 'deny' });
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(start.state);
    expect(callback.searchParams.get('code')).toBeNull();
    await expect(
      client.authorizationCodeGrant(start.config, callback, {
        pkceCodeVerifier: start.verifier,
        expectedState: start.state,
      }),
    ).rejects.toMatchObject({
      error: 'access_denied',
    });
  });

  it('registers a client at run time (POST /__sandbox/clients) and runs the flow with it', async () => {
    const redirectUri = 'http://127.0.0.1:45678/cb';
    const created = await control(sut, 'POST', '/clients', {
      client_id: 'e2e-client',
      client_secret: 'e2e-client-secret',
      redirect_uris: [redirectUri],
    });
    expect(created.status).toBe(201);
    const config = await discover(sut, 'e2e-client', 'e2e-client-secret');
    const start = await startAuthorization(sut, { config, redirectUri, scope: 'openid accounts' });
    const callback = await completeSca(sut, start, {});
    expect(callback.origin + callback.pathname).toBe(redirectUri);
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: start.verifier,
      expectedState: start.state,
    });
    expect((await obpGet(sut, '/my/accounts', tokens.access_token)).status).toBe(200);

    const invalid = await control(sut, 'POST', '/clients', {
      client_id: 'x',
      client_secret: 'short',
      redirect_uris: ['not a url'],
    });
    expect(invalid.status).toBe(400);
  });
});
