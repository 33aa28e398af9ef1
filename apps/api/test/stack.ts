import pg from 'pg';
import { authoriseAtBank } from '#testing/sca-browser.js';
import { startAlifMobiSandbox, type RunningSandbox } from '../../sandbox-alif-mobi/src/main.js';
import { startWorker, type WorkerHarness } from '../../worker/test/harness.js';
import { startAlifShopSandbox } from '../../sandbox-alif-shop/src/main.js';
import { startAccessBankSandbox } from '../../sandbox-accessbank/src/main.js';
import { sandboxControl, startTestSandbox } from '../../worker/test/alif-mobi-at-sandbox.js';
import { CLIENT_REDIRECT_URI, bearer, freePort, json, startApi, type ApiHarness } from './harness.js';

export const USER = { username: 'dilnoza', password: 'Dilnoza-2024', otp: '123456' };
/** Registered for every test client (`redirect_uris`), so consents may send the browser there. */
export const CLIENT_DONE = CLIENT_REDIRECT_URI;

export interface Stack {
  bank: RunningSandbox;
  api: ApiHarness;
  worker: WorkerHarness | null;
  client: { id: string; apiKey: string; webhookSecret: string };
  other: { id: string; apiKey: string; webhookSecret: string };
  /** The sandbox's control API (`/__sandbox…`). */
  control(method: string, path: string, body?: unknown): Promise<any>;
  /** The Alif Shop sandbox, and its control API. */
  shop: { url: string; close(): Promise<void> };
  shopControl(method: string, path: string, body?: unknown): Promise<any>;
  /** The AccessBank sandbox (Berlin Group), and its control API. */
  accessbank: { url: string; close(): Promise<void> };
  accessbankControl(method: string, path: string, body?: unknown): Promise<any>;
  db<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** A consent of `client` (all permissions unless named), authorised through the bank's pages. */
  activeConsent(endUser?: string, user?: typeof USER, permissions?: string[]): Promise<string>;
  get(path: string, key?: string): Promise<any>;
  /** `POST /v1/consents/{id}/sync` as `client` (asserted 202): the sync's id. */
  syncNow(consentId: string): Promise<string>;
  /** The consent's status and token bookkeeping, as stored. */
  consentRow(id: string): Promise<ConsentTokenRow>;
  close(): Promise<void>;
}

export interface ConsentTokenRow {
  status: string;
  status_reason: string | null;
  session_enc: string | null;
  token_expires_at: Date | null;
  refresh_job_id: string | null;
}

/**
 * Hisob end to end in one process: the Alif Mobi sandbox bank over HTTP, the API (its callback
 * registered at the bank) and, unless `worker: false`, the worker, all on one fresh database and
 * this run's Redis prefix.
 */
export async function startStack(
  opts: {
    worker?: boolean;
    /** Keep the worker's log lines (`stack.worker.logs`), at debug level. */
    workerLogs?: boolean;
    env?: Record<string, string>;
    bank?: Parameters<typeof startAlifMobiSandbox>[0];
    accessbank?: Parameters<typeof startAccessBankSandbox>[0];
  } = {},
): Promise<Stack> {
  const bank = await startTestSandbox(opts.bank);
  const control = sandboxControl(bank);
  const shop = await startAlifShopSandbox({ port: 0, logLevel: 'silent', anchorDate: '2026-06-30' });
  const shopControl = sandboxControl(shop);
  const accessbank = await startAccessBankSandbox({
    logLevel: 'silent',
    anchorDate: '2026-06-30',
    ...opts.accessbank,
  });
  const accessbankControl = sandboxControl(accessbank);
  const port = await freePort();
  await control('POST', '/clients', {
    client_id: 'hisob-e2e',
    client_secret: 'e2e-secret',
    redirect_uris: [`http://127.0.0.1:${port}/v1/consents/callback`],
  });
  const env = {
    ALIF_MOBI_ISSUER_URL: bank.issuer,
    ALIF_MOBI_OBP_URL: `${bank.url}/obp/v5.1.0`,
    ALIF_MOBI_CLIENT_ID: 'hisob-e2e',
    ALIF_MOBI_CLIENT_SECRET: 'e2e-secret',
    HISOB_BANK_TIMEOUT_MS: '2000',
    // Small pages, so the sandbox's small ledger still gives multi-page streams.
    ALIF_MOBI_PAGE_SIZE: '50',
    // The sandbox's figures are per UTC day; the Asia/Dushanbe default is tested on its own.
    ALIF_MOBI_TIME_ZONE: 'UTC',
    ALIF_SHOP_URL: shop.url,
    ACCESSBANK_URL: accessbank.url,
    ...opts.env,
  };
  const api = await startApi(env, { port });
  const worker =
    opts.worker === false
      ? null
      : await startWorker(
          {
            ...env,
            DATABASE_URL: api.db.url,
            HISOB_REDIS_PREFIX: api.config.HISOB_REDIS_PREFIX,
          },
          { captureLogs: opts.workerLogs ?? false },
        );
  const client = await api.newClient('treasury');
  const other = await api.newClient('someone-else');

  const db = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const c = new pg.Client({ connectionString: api.db.url });
    await c.connect();
    try {
      return (await c.query(sql, params)).rows as T[];
    } finally {
      await c.end();
    }
  };
  const get = async (path: string, key = client.apiKey) =>
    json(await fetch(`${api.url}${path}`, { headers: bearer(key) }));
  const syncNow = async (consentId: string) => {
    const res = await fetch(`${api.url}/v1/consents/${consentId}/sync`, {
      method: 'POST',
      headers: bearer(client.apiKey),
    });
    if (res.status !== 202) throw new Error(`POST sync answered ${res.status}: ${await res.text()}`);
    return (await json(res)).sync_id as string;
  };
  const consentRow = async (id: string) =>
    (
      await db<ConsentTokenRow>(
        `SELECT status, status_reason, session_enc, token_expires_at, refresh_job_id FROM consents WHERE id = $1`,
        [id],
      )
    )[0]!;
  const activeConsent = async (endUser = 'user-1', user = USER, permissions?: string[]) => {
    const res = await fetch(`${api.url}/v1/consents`, {
      method: 'POST',
      headers: { ...bearer(client.apiKey), 'content-type': 'application/json' },
      body: JSON.stringify({
        provider: 'alif-mobi',
        end_user_id: endUser,
        redirect_uri: CLIENT_DONE,
        ...(permissions ? { permissions } : {}),
      }),
    });
    const created = await json(res);
    const { finalUrl } = await authoriseAtBank(
      created.authorisation_url,
      user,
      (u) => u.origin === new URL(CLIENT_DONE).origin,
    );
    if (finalUrl.searchParams.get('status') !== 'active')
      throw new Error(`consent not active: ${finalUrl.href}`);
    return created.id as string;
  };
  return {
    bank,
    api,
    worker,
    client,
    other,
    control,
    shop,
    shopControl,
    accessbank,
    accessbankControl,
    db,
    activeConsent,
    get,
    syncNow,
    consentRow,
    async close() {
      await worker?.close();
      await api.close();
      await bank.close();
      await shop.close();
      await accessbank.close();
    },
  };
}

/** Polls until `ok(value)`; fails with the last value after `ms`. */
export async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
