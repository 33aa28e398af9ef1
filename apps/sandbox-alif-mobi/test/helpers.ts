/**
 * Test helpers: a cookie jar that honours cookie paths, plain-HTTP driving of the SCA pages, and an
 * openid-client v6 relying party — the way Hisob (or any client) talks to the sandbox.
 */
import * as client from 'openid-client';

import { startAlifMobiSandbox, type RunningSandbox } from '../src/main.js';
import type { RawOptions } from '../src/config.js';

export const ALL_SCOPES = 'openid offline_access accounts balances transactions cards transfers';
export const REDIRECT_URI = 'http://127.0.0.1:3000/v1/consents/callback';
export const CLIENT_ID = 'hisob';
export const CLIENT_SECRET = 'hisob-sandbox-secret';
export const USER = { username: 'dilnoza', password: 'Dilnoza-2024', otp: '123456' };
/** Tests pin the sandbox's today (its default is the real current date). */
export const PINNED_TODAY = '2026-06-30';

export async function startSandbox(opts: RawOptions = {}): Promise<RunningSandbox> {
  return startAlifMobiSandbox({ port: 0, logLevel: 'silent', anchorDate: PINNED_TODAY, ...opts });
}

interface Cookie {
  name: string;
  value: string;
  path: string;
}

export class CookieJar {
  private cookies: Cookie[] = [];

  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      let path = '/';
      let expired = false;
      for (const a of attrs) {
        const [k, v] = a.split('=');
        if (k!.toLowerCase() === 'path' && v) path = v;
        if (k!.toLowerCase() === 'expires' && v && Date.parse(v) <= Date.now()) expired = true;
        if (k!.toLowerCase() === 'max-age' && v !== undefined && Number(v) <= 0) expired = true;
      }
      this.cookies = this.cookies.filter((c) => !(c.name === name && c.path === path));
      if (!expired) this.cookies.push({ name, value, path });
    }
  }

  header(url: URL): string {
    return this.cookies
      .filter(
        (c) =>
          url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`),
      )
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }
}

/** One HTTP exchange without following redirects, with cookies. */
export async function request(
  url: string | URL,
  init: {
    method?: string;
    headers?: Record<string, string>;
    form?: Record<string, string>;
    json?: unknown;
    jar?: CookieJar;
  } = {},
): Promise<Response> {
  const u = new URL(url);
  const headers: Record<string, string> = { ...init.headers };
  const cookie = init.jar?.header(u);
  if (cookie) headers.cookie = cookie;
  let body: string | undefined;
  if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  } else if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  const res = await fetch(u, {
    method: init.method ?? (body ? 'POST' : 'GET'),
    headers,
    body,
    redirect: 'manual',
  });
  init.jar?.store(res);
  return res;
}

export async function discover(
  sandbox: RunningSandbox,
  clientId = CLIENT_ID,
  secret = CLIENT_SECRET,
): Promise<client.Configuration> {
  return client.discovery(new URL(sandbox.issuer), clientId, undefined, client.ClientSecretBasic(secret), {
    execute: [client.allowInsecureRequests],
  });
}

export interface AuthorizationStart {
  config: client.Configuration;
  authorizationUrl: URL;
  verifier: string;
  state: string;
  jar: CookieJar;
  /** Absolute URL of the first interaction page. */
  interactionUrl: string;
}

export async function startAuthorization(
  sandbox: RunningSandbox,
  opts: { scope?: string; redirectUri?: string; config?: client.Configuration } = {},
): Promise<AuthorizationStart> {
  const config = opts.config ?? (await discover(sandbox));
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: opts.redirectUri ?? REDIRECT_URI,
    scope: opts.scope ?? ALL_SCOPES,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  const jar = new CookieJar();
  const res = await request(authorizationUrl, { jar });
  if (res.status !== 303 && res.status !== 302)
    throw new Error(`authorization endpoint answered ${res.status}: ${await res.text()}`);
  const interactionUrl = new URL(res.headers.get('location')!, sandbox.url).href;
  return { config, authorizationUrl, verifier, state, jar, interactionUrl };
}

/** Follows redirects (with cookies) until one leaves the sandbox; returns that final URL. */
export async function followUntilExternal(
  sandbox: RunningSandbox,
  start: Response,
  jar: CookieJar,
): Promise<URL> {
  let res = start;
  for (let i = 0; i < 10; i++) {
    const location = res.headers.get('location');
    if (!location) throw new Error(`expected a redirect, got ${res.status}: ${await res.text()}`);
    const next = new URL(location, sandbox.url);
    if (next.origin !== new URL(sandbox.url).origin) return next;
    res = await request(next, { jar });
  }
  throw new Error('too many redirects');
}

/** Drives login, OTP and consent with plain form posts; returns the callback URL the client receives. */
export async function completeSca(
  sandbox: RunningSandbox,
  start: AuthorizationStart,
  opts: { username?: string; password?: string; otp?: string; decision?: 'allow' | 'deny' } = {},
): Promise<URL> {
  const { jar, interactionUrl } = start;
  const page = await request(interactionUrl, { jar });
  expectOk(page.status === 200, `login page ${page.status}`);
  const login = await request(`${interactionUrl}/login`, {
    jar,
    form: { username: opts.username ?? USER.username, password: opts.password ?? USER.password },
  });
  expectOk(login.status === 303, `login post ${login.status}`);
  const otpPage = await request(interactionUrl, { jar });
  expectOk((await otpPage.text()).includes('name="otp"'), 'otp page');
  const otp = await request(`${interactionUrl}/otp`, { jar, form: { otp: opts.otp ?? USER.otp } });
  expectOk(otp.status === 303, `otp post ${otp.status}`);
  const consentPage = await request(interactionUrl, { jar });
  expectOk((await consentPage.text()).includes('name="decision"'), 'consent page');
  const confirm = await request(`${interactionUrl}/confirm`, {
    jar,
    form: { decision: opts.decision ?? 'allow' },
  });
  return followUntilExternal(sandbox, confirm, jar);
}

export interface Session {
  config: client.Configuration;
  tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;
  accessToken: string;
}

/** The whole relying-party flow: discovery, PKCE, SCA pages, code exchange. */
export async function authorize(
  sandbox: RunningSandbox,
  opts: { scope?: string; username?: string; password?: string } = {},
): Promise<Session> {
  const start = await startAuthorization(sandbox, { scope: opts.scope });
  const callback = await completeSca(sandbox, start, { username: opts.username, password: opts.password });
  const tokens = await client.authorizationCodeGrant(start.config, callback, {
    pkceCodeVerifier: start.verifier,
    expectedState: start.state,
  });
  return { config: start.config, tokens, accessToken: tokens.access_token };
}

export async function obpGet(
  sandbox: RunningSandbox,
  path: string,
  token?: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return request(`${sandbox.url}/obp/v5.1.0${path}`, {
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  });
}

export async function control<T = Record<string, unknown>>(
  sandbox: RunningSandbox,
  method: string,
  path: string,
  json?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await request(`${sandbox.url}/__sandbox${path}`, { method, json });
  return { status: res.status, body: (await res.json()) as T };
}

/** Minor units of an OBP decimal string (varying precision, "-10.5", "1000", "12.30"). */
export function minor(amount: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount);
  if (!m) throw new Error(`not a decimal: ${amount}`);
  const frac = (m[3] ?? '').padEnd(2, '0');
  if (frac.length > 2 && /[1-9]/.test(frac.slice(2)))
    throw new Error(`more than 2 significant decimals: ${amount}`);
  const v = BigInt(m[2]!) * 100n + BigInt(frac.slice(0, 2));
  return m[1] ? -v : v;
}

function expectOk(cond: boolean, what: string): void {
  if (!cond) throw new Error(`SCA flow step failed: ${what}`);
}
