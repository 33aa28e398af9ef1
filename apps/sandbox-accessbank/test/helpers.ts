/**
 * Test helpers: an XS2A client that validates EVERY `/v1` response against the official OpenAPI
 * file (test/openapi.ts), a cookie jar for the SCA pages, the redirect SCA flow driven with plain
 * form posts, and the control API.
 */
import { randomUUID } from 'node:crypto';

import { startAccessBankSandbox, type RunningSandbox } from '../src/main.js';
import type { RawOptions } from '../src/config.js';
import { validateResponse } from './openapi.js';

/** Tests pin the sandbox's today (its default is the real current date in Dushanbe). */
export const PINNED_TODAY = '2026-06-30';
export const OTP = '123456';
export const ZARINA = { psuId: 'zarina', password: 'Zarina-2024' };
export const BAKHTIYOR = { psuId: 'bakhtiyor', password: 'Bakhtiyor-2024' };
export const NIGORA = { psuId: 'nigora', password: 'Nigora-2024' };
export const REDIRECT = 'https://tpp.example/callback?state=s%2F1&session=abc';
export const NOK_REDIRECT = 'https://tpp.example/failed?state=s%2F1';
export const PSU_IP = '192.168.8.78';

export async function startSandbox(opts: RawOptions = {}): Promise<RunningSandbox> {
  return startAccessBankSandbox({ logLevel: 'silent', anchorDate: PINNED_TODAY, ...opts });
}

/** How many responses of each operation were validated (a test asserts the coverage). */
export const validated = new Map<string, number>();

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

/** The OpenAPI path template of a concrete /v1 path. */
export function templateOf(path: string): string {
  const p = path.split('?')[0]!.replace(/\/+$/, '');
  const rules: Array<[RegExp, string]> = [
    [/^\/v1\/consents$/, '/v1/consents'],
    [/^\/v1\/consents\/[^/]+$/, '/v1/consents/{consentId}'],
    [/^\/v1\/consents\/[^/]+\/status$/, '/v1/consents/{consentId}/status'],
    [/^\/v1\/consents\/[^/]+\/authorisations$/, '/v1/consents/{consentId}/authorisations'],
    [
      /^\/v1\/consents\/[^/]+\/authorisations\/[^/]+$/,
      '/v1/consents/{consentId}/authorisations/{authorisationId}',
    ],
    [/^\/v1\/accounts$/, '/v1/accounts'],
    [/^\/v1\/accounts\/[^/]+$/, '/v1/accounts/{account-id}'],
    [/^\/v1\/accounts\/[^/]+\/balances$/, '/v1/accounts/{account-id}/balances'],
    [/^\/v1\/accounts\/[^/]+\/transactions$/, '/v1/accounts/{account-id}/transactions'],
    [
      /^\/v1\/accounts\/[^/]+\/transactions\/[^/]+$/,
      '/v1/accounts/{account-id}/transactions/{transactionId}',
    ],
  ];
  for (const [re, t] of rules) if (re.test(p)) return t;
  throw new Error(`no OpenAPI template for ${path}`);
}

/**
 * One XS2A call. X-Request-ID is a fresh UUID unless given (`null` leaves it out); the reply must
 * echo it. The body is validated against the file; a violation fails the test at once.
 */
export async function xs2a<T = any>(
  sandbox: RunningSandbox,
  method: string,
  path: string,
  opts: {
    consentId?: string;
    psuIp?: string | null;
    headers?: Record<string, string>;
    json?: unknown;
    body?: string;
    requestId?: string | null;
  } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  const requestId = opts.requestId === undefined ? randomUUID() : opts.requestId;
  if (requestId !== null) headers['x-request-id'] = requestId;
  if (opts.consentId) headers['consent-id'] = opts.consentId;
  if (opts.psuIp) headers['psu-ip-address'] = opts.psuIp;
  let body: string | undefined = opts.body;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  const res = await fetch(new URL(path, sandbox.url), { method, headers, body, redirect: 'manual' });
  const text = await res.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  const template = templateOf(path);
  const problems = await validateResponse(template, method, res.status, parsed);
  if (problems.length)
    throw new Error(
      `${method} ${path} → ${res.status} violates the NextGenPSD2 OpenAPI file:\n  ${problems.join('\n  ')}\n${text}`,
    );
  if (requestId !== null && res.headers.get('x-request-id') !== requestId)
    throw new Error(`${method} ${path}: X-Request-ID not echoed`);
  const key = `${method} ${template} ${res.status}`;
  validated.set(key, (validated.get(key) ?? 0) + 1);
  return { status: res.status, body: parsed as T, headers: res.headers, text };
}

export function consentBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    access: { allPsd2: 'allAccounts' },
    recurringIndicator: true,
    validUntil: '2026-12-31',
    frequencyPerDay: 4,
    combinedServiceIndicator: false,
    ...overrides,
  };
}

export function consentHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { 'psu-ip-address': PSU_IP, 'tpp-redirect-uri': REDIRECT, ...extra };
}

export async function createConsent(
  sandbox: RunningSandbox,
  body: unknown = consentBody(),
  headers: Record<string, string> = consentHeaders(),
): Promise<ApiResponse> {
  return xs2a(sandbox, 'POST', '/v1/consents', { json: body, headers });
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
      let path = '/';
      for (const a of attrs) {
        const [k, v] = a.split('=');
        if (k!.toLowerCase() === 'path' && v) path = v;
      }
      const name = pair!.slice(0, eq);
      this.cookies = this.cookies.filter((c) => !(c.name === name && c.path === path));
      this.cookies.push({ name, value: pair!.slice(eq + 1), path });
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

/** One browser exchange (no redirect following), with cookies and an optional form. */
export async function browser(
  url: string | URL,
  init: { jar: CookieJar; form?: Array<[string, string]> | Record<string, string> },
): Promise<Response> {
  const u = new URL(url);
  const headers: Record<string, string> = {};
  const cookie = init.jar.header(u);
  if (cookie) headers.cookie = cookie;
  let body: string | undefined;
  if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  }
  const res = await fetch(u, {
    method: body === undefined ? 'GET' : 'POST',
    headers,
    body,
    redirect: 'manual',
  });
  init.jar.store(res);
  return res;
}

/** The `action` of the page's form whose fields include `field`. */
export function formAction(html: string, field: string): string {
  const forms = html.split('<form').slice(1);
  const form = forms.find((f) => f.includes(`name="${field}"`));
  if (!form) throw new Error(`no form with ${field} in:\n${html}`);
  return /action="([^"]+)"/.exec(form)![1]!;
}

export interface ScaOptions {
  psuId?: string;
  password?: string;
  otp?: string;
  decision?: 'allow' | 'deny';
  /** Bank-offered consents: the resource ids to tick (default: all that are offered). */
  accounts?: string[];
}

/**
 * Drives the SCA pages like a browser without JavaScript: log in, one-time code, allow or deny.
 * Returns the Location the bank finally sends the browser to.
 */
export async function completeSca(scaRedirect: string, opts: ScaOptions = {}): Promise<string> {
  const jar = new CookieJar();
  const start = new URL(scaRedirect);
  const login = await browser(start, { jar });
  if (login.status !== 200) throw new Error(`login page ${login.status}`);
  const loginHtml = await login.text();
  let res = await browser(new URL(formAction(loginHtml, 'psuId'), start), {
    jar,
    form: { psuId: opts.psuId ?? ZARINA.psuId, password: opts.password ?? ZARINA.password },
  });
  expectRedirect(res, start.pathname);
  const otpHtml = await (await browser(start, { jar })).text();
  if (!otpHtml.includes('name="otp"')) return finalLink(otpHtml);
  res = await browser(new URL(formAction(otpHtml, 'otp'), start), { jar, form: { otp: opts.otp ?? OTP } });
  expectRedirect(res, start.pathname);
  const decideHtml = await (await browser(start, { jar })).text();
  if (!decideHtml.includes('name="decision"')) return finalLink(decideHtml);
  const form: Array<[string, string]> = [['decision', opts.decision ?? 'allow']];
  const offered = [...decideHtml.matchAll(/name="account" value="([^"]+)"/g)].map((m) => m[1]!);
  for (const id of opts.accounts ?? offered) form.push(['account', id]);
  res = await browser(new URL(formAction(decideHtml, 'decision'), start), { jar, form });
  if (res.status !== 303) throw new Error(`decision answered ${res.status}: ${await res.text()}`);
  return res.headers.get('location')!;
}

function expectRedirect(res: Response, path: string): void {
  if (res.status !== 303 || new URL(res.headers.get('location')!, 'http://x').pathname !== path)
    throw new Error(`expected a 303 back to ${path}, got ${res.status} ${res.headers.get('location')}`);
}

/** The "return to the third party" link of a final page. */
function finalLink(html: string): string {
  const m = /<a href="([^"]+)">Return to the third party/.exec(html);
  if (!m) throw new Error(`unexpected SCA page:\n${html}`);
  return m[1]!.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
}

/** Creates a consent and authorises it through the pages; returns the consent id. */
export async function validConsent(
  sandbox: RunningSandbox,
  body: Record<string, unknown> = consentBody(),
  sca: ScaOptions = {},
): Promise<string> {
  const created = await createConsent(sandbox, body);
  if (created.status !== 201) throw new Error(`consent creation answered ${created.status}: ${created.text}`);
  const location = await completeSca(created.body._links.scaRedirect.href, sca);
  if (location !== REDIRECT) throw new Error(`SCA ended at ${location}`);
  return created.body.consentId as string;
}

export async function control<T = any>(
  sandbox: RunningSandbox,
  method: string,
  path: string,
  json?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${sandbox.url}/__sandbox${path}`, {
    method,
    headers: json === undefined ? {} : { 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  return { status: res.status, body: (await res.json()) as T };
}

export interface UserView {
  psu_id: string;
  password: string;
  accounts: Array<{
    account_id: string;
    bban: string;
    currency: string;
    status: string;
    booked_count: number;
  }>;
}

export async function users(sandbox: RunningSandbox): Promise<UserView[]> {
  return (await control<{ users: UserView[] }>(sandbox, 'GET', '/users')).body.users;
}

/** Follows `_links.next` to the end; returns every page. */
export async function allPages(
  sandbox: RunningSandbox,
  first: string,
  consentId: string,
  psuIp: string | null = PSU_IP,
): Promise<any[]> {
  const pages: any[] = [];
  let next: string | undefined = first;
  while (next) {
    const r: ApiResponse = await xs2a(sandbox, 'GET', next, { consentId, psuIp });
    if (r.status !== 200) throw new Error(`page ${next} answered ${r.status}: ${r.text}`);
    pages.push(r.body);
    next = r.body.transactions._links.next?.href;
    if (pages.length > 1000) throw new Error('paging does not end');
  }
  return pages;
}

/** Minor units of a Berlin Group amount string. */
export function minor(amount: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(amount);
  if (!m) throw new Error(`not a 2-decimal amount: ${amount}`);
  const v = BigInt(m[2]!) * 100n + BigInt((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -v : v;
}
