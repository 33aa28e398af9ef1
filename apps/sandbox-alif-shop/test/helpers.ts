/** Test helpers: start a pinned sandbox, log in as a client would, read the API and the control API. */
import { startAlifShopSandbox, type AlifShopSandboxOptions, type RunningSandbox } from '../src/main.js';

/** Tests pin the sandbox's today (its default is the real current date). */
export const PINNED_TODAY = '2026-06-30';
export const OTP = '123456';
export const AYESHA = '+923001234567';
export const BILAL = '+923214567890';
export const SANA = '+923337654321';
export const USMAN = '+923451122334';

export async function startSandbox(opts: AlifShopSandboxOptions = {}): Promise<RunningSandbox> {
  return startAlifShopSandbox({ logLevel: 'silent', anchorDate: PINNED_TODAY, ...opts });
}

export interface Reply<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export async function call<T = any>(
  sut: RunningSandbox,
  method: string,
  path: string,
  opts: { json?: unknown; token?: string; raw?: string } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = {};
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined = opts.raw;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  const res = await fetch(`${sut.url}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed as T, text, headers: res.headers };
}

export const api = <T = any>(sut: RunningSandbox, path: string, token: string) =>
  call<T>(sut, 'GET', `/api/v1${path}`, { token });

export const control = <T = any>(sut: RunningSandbox, method: string, path: string, json?: unknown) =>
  call<T>(sut, method, `/__sandbox${path}`, json === undefined ? {} : { json });

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  token_type: string;
}

export async function login(sut: RunningSandbox, msisdn = AYESHA): Promise<Tokens> {
  const req = await call(sut, 'POST', '/api/v1/auth/otp/request', { json: { msisdn } });
  expect(req.status).toBe(202);
  const res = await call<Tokens>(sut, 'POST', '/api/v1/auth/otp/verify', { json: { msisdn, otp: OTP } });
  expect(res.status).toBe(200);
  return res.body;
}

/**
 * Paisa from a JSON number exactly as a client must convert it: through the number's shortest
 * decimal text (what the wire literal was), never by multiplying a float. Fails on more than two
 * decimals or an exponent.
 */
export function paisa(x: unknown): bigint {
  if (typeof x !== 'number') throw new Error(`not a JSON number: ${JSON.stringify(x)}`);
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(x));
  if (!m) throw new Error(`not an amount with at most two decimals: ${String(x)}`);
  const v = BigInt(m[2]!) * 100n + BigInt((m[3] ?? '').padEnd(2, '0') || '0');
  return m[1] ? -v : v;
}

/** "1999.50" from paisa: the summary's decimal strings. */
export function decimal(p: bigint): string {
  const neg = p < 0n;
  const a = neg ? -p : p;
  return `${neg ? '-' : ''}${a / 100n}.${(a % 100n).toString().padStart(2, '0')}`;
}

export const sum = (xs: unknown[]) => xs.reduce<bigint>((s, x) => s + paisa(x), 0n);

/** Every page of a paged list, following `page` until a short page. */
export async function allPages<T>(
  sut: RunningSandbox,
  path: string,
  key: string,
  token: string,
  perPage = 50,
): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1; ; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const r = await api(sut, `${path}${sep}page=${page}&per_page=${perPage}`, token);
    expect(r.status).toBe(200);
    out.push(...(r.body[key] as T[]));
    if ((r.body[key] as T[]).length < r.body.per_page) return out;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
