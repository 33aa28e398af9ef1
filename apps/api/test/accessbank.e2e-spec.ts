import { authoriseAtBank } from '#testing/sca-browser.js';
import { bearer, json } from './harness.js';
import { CLIENT_DONE, startStack, until, type Stack } from './stack.js';

/**
 * AccessBank (Berlin Group NextGenPSD2) end to end: a consent through the bank's SCA pages (allow
 * and deny) with Hisob's state carried through the redirect, the first sync, then every account
 * (TJS, USD, EUR) equal to the sandbox's own figures; a bank day of syncs that never meets a 429
 * (the allowance is spent before the bank would refuse, and the held-back sync says when it runs);
 * a sync the person asked for, not counted by the bank.
 */
const ZARINA = { username: 'zarina', password: 'Zarina-2024', otp: '123456' };
const PSU_IP = '203.0.113.7';
let s: Stack;
let consentId = '';

beforeAll(async () => {
  s = await startStack();
}, 60_000);
afterAll(() => s?.close());

async function post(path: string, body: unknown) {
  const res = await fetch(`${s.api.url}${path}`, {
    method: 'POST',
    headers: { ...bearer(s.client.apiKey), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await json(res) };
}

async function consentThroughBank(decision: 'allow' | 'deny') {
  const created = await post('/v1/consents', {
    provider: 'accessbank',
    end_user_id: `zarina-${decision}`,
    redirect_uri: CLIENT_DONE,
    psu_ip_address: PSU_IP,
  });
  expect([created.status, created.body.errors]).toEqual([201, undefined]);
  expect(created.body).toMatchObject({ provider: 'accessbank', status: 'awaiting_authorisation' });
  const { finalUrl, browser } = await authoriseAtBank(
    created.body.authorisation_url,
    { ...ZARINA, decision },
    (u) => u.origin === new URL(CLIENT_DONE).origin,
  );
  return { id: created.body.id as string, finalUrl, visited: browser.visited };
}

const syncDone = (id: string) =>
  until(
    () => s.get(`/v1/syncs/${id}`),
    (v) => ['succeeded', 'failed', 'waiting_rate_limit'].includes(v.state),
    60_000,
  );

describe('AccessBank consent through the redirect SCA', () => {
  it('allow: the bank sends the browser back to Hisob with its state, and the consent is active', async () => {
    const { id, finalUrl, visited } = await consentThroughBank('allow');
    expect(finalUrl.searchParams.get('status')).toBe('active');
    expect(finalUrl.searchParams.get('consent_id')).toBe(id);
    // The bank's pages, then Hisob's callback carrying Hisob's state (and no bank credential).
    const callback = visited.find((u) => u.includes('/v1/consents/callback'))!;
    expect(new URL(callback).searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect((await s.get(`/v1/consents/${id}`)).status).toBe('active');
    const consents = await s.accessbankControl('GET', '/consents');
    expect(consents.consents.some((c: any) => c.status === 'valid')).toBe(true);
    consentId = id;
  });

  it('deny: the consent is rejected with the reason', async () => {
    const { id, finalUrl } = await consentThroughBank('deny');
    expect(finalUrl.searchParams.get('status')).toBe('rejected');
    expect(finalUrl.searchParams.get('error')).toBe('access_denied');
    const consent = await s.get(`/v1/consents/${id}`);
    expect(consent.status).toBe('rejected');
  });
});

describe('AccessBank first sync, equal to the bank per account and currency', () => {
  it('copies TJS, USD and EUR accounts: balances, booked count and sum, pending entries, statements', async () => {
    const first = await until(
      () => s.get(`/v1/consents/${consentId}`),
      (c) => ['succeeded', 'failed'].includes(c.sync?.state),
      90_000,
    );
    expect(first.sync).toMatchObject({ state: 'succeeded' });
    const users = await s.accessbankControl('GET', '/users');
    const zarina = users.users.find((u: any) => u.psu_id === 'zarina');
    const { accounts } = await s.get(`/v1/accounts?consent_id=${consentId}`);
    expect(accounts.map((a: any) => a.currency).sort()).toEqual(['EUR', 'TJS', 'USD']);
    const today = (await s.accessbankControl('GET', '/state')).today as string;
    for (const bankAccount of zarina.accounts) {
      const account = accounts.find((a: any) => a.currency === bankAccount.currency);
      expect(account).toBeDefined();
      const summary = await s.accessbankControl('GET', `/accounts/${bankAccount.account_id}/summary`);
      const { balances } = await s.get(`/v1/accounts/${account.id}/balances`);
      const byType = Object.fromEntries(balances.map((b: any) => [b.type, b]));
      expect(byType.booked).toMatchObject({
        amount: summary.booked_balance_today,
        currency: bankAccount.currency,
      });
      expect(byType.available).toMatchObject({ amount: summary.available_balance });
      const booked = await s.get(`/v1/accounts/${account.id}/transactions?status=booked&limit=1`);
      expect(booked.total_count).toBe(summary.booked_count);
      const pending = await s.get(`/v1/accounts/${account.id}/transactions?status=pending&limit=200`);
      expect(pending.total_count).toBe(summary.pending_count);
      for (const t of pending.transactions)
        expect(t).toMatchObject({ status: 'pending', currency: bankAccount.currency });
      if (summary.booked_count === 0) continue;
      const from = summary.first_booking_date as string;
      const window = await s.accessbankControl(
        'GET',
        `/accounts/${bankAccount.account_id}/summary?from_date=${from}&to_date=${today}`,
      );
      const statement = await s.get(
        `/v1/accounts/${account.id}/statement?from_date=${from}&to_date=${today}`,
      );
      expect(statement).toMatchObject({
        currency: bankAccount.currency,
        opening_balance: window.opening_balance,
        closing_balance: window.closing_balance,
        total_credits: window.total_credits,
        total_debits: stripSign(window.total_debits),
        transaction_count: window.booked_count,
      });
      // A month inside the history: the same figures as the bank's for that window.
      const month = await s.accessbankControl(
        'GET',
        `/accounts/${bankAccount.account_id}/summary?from_date=2026-03-01&to_date=2026-03-31`,
      );
      const march = await s.get(
        `/v1/accounts/${account.id}/statement?from_date=2026-03-01&to_date=2026-03-31`,
      );
      expect([march.opening_balance, march.closing_balance, march.transaction_count]).toEqual([
        month.opening_balance,
        month.closing_balance,
        month.booked_count,
      ]);
    }
  }, 120_000);
});

describe('AccessBank frequencyPerDay', () => {
  it('a sync the person asks for (psu_ip_address) is read with them present and not counted', async () => {
    const before = await s.accessbankControl('GET', `/consents`);
    const bankConsent = before.consents.find((c: any) => c.status === 'valid');
    const usageBefore = (await s.accessbankControl('GET', `/consents/${bankConsent.consent_id}`)).usage;
    const bad = await post(`/v1/consents/${consentId}/sync`, { psu_ip_address: 'not-an-ip' });
    expect(bad).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
    const started = await post(`/v1/consents/${consentId}/sync`, { psu_ip_address: PSU_IP });
    expect(started.status).toBe(202);
    expect(await syncDone(started.body.sync_id)).toMatchObject({ state: 'succeeded' });
    const usage = (await s.accessbankControl('GET', `/consents/${bankConsent.consent_id}`)).usage;
    expect(usage.counted_total).toBe(usageBefore.counted_total);
    expect(usage.not_counted_total).toBeGreaterThan(usageBefore.not_counted_total);
  }, 60_000);

  it('a bank day of background syncs never gets a 429: the fifth waits for the bank midnight', async () => {
    const list = await s.accessbankControl('GET', `/consents`);
    const bankConsent = list.consents.find((c: any) => c.status === 'valid');
    // The first sync took one read of each endpoint; three more fill the day's four.
    for (let i = 0; i < 3; i++) {
      const started = await post(`/v1/consents/${consentId}/sync`, {});
      expect(started.status).toBe(202);
      expect(await syncDone(started.body.sync_id)).toMatchObject({ state: 'succeeded' });
    }
    // The incremental reads (from the sync's overlap window) added nothing twice.
    const users = await s.accessbankControl('GET', '/users');
    const zarina = users.users.find((u: any) => u.psu_id === 'zarina');
    const { accounts } = await s.get(`/v1/accounts?consent_id=${consentId}`);
    for (const bankAccount of zarina.accounts) {
      const account = accounts.find((a: any) => a.currency === bankAccount.currency);
      const summary = await s.accessbankControl('GET', `/accounts/${bankAccount.account_id}/summary`);
      const booked = await s.get(`/v1/accounts/${account.id}/transactions?status=booked&limit=1`);
      expect([bankAccount.currency, booked.total_count]).toEqual([
        bankAccount.currency,
        summary.booked_count,
      ]);
    }
    const held = await post(`/v1/consents/${consentId}/sync`, {});
    const waiting = await syncDone(held.body.sync_id);
    expect(waiting.state).toBe('waiting_rate_limit');
    // It runs at the bank's next midnight (Asia/Dushanbe, UTC+5), give or take the jitter.
    const resumeAt = new Date(waiting.resume_at).getTime();
    const midnight = nextDushanbeMidnight(Date.now());
    expect(Math.abs(resumeAt - midnight)).toBeLessThan(60_000);
    const usage = (await s.accessbankControl('GET', `/consents/${bankConsent.consent_id}`)).usage;
    expect(usage.refused_total).toBe(0);
    expect(usage.counted_total).toBeGreaterThan(0);
    expect(usage.today.length).toBeGreaterThan(0);
    for (const e of usage.today) expect(e.count).toBeLessThanOrEqual(4);
    // The day's allowance was used to the full, not left idle: four reads of the account list.
    expect(usage.today.find((e: any) => e.endpoint === 'accounts').count).toBe(4);
  }, 120_000);
});

function stripSign(d: string): string {
  return d.startsWith('-') ? d.slice(1) : d;
}

function nextDushanbeMidnight(ms: number): number {
  const local = ms + 5 * 3_600_000;
  return Math.floor(local / 86_400_000) * 86_400_000 + 86_400_000 - 5 * 3_600_000;
}

describe('AccessBank consent ends', () => {
  it('revoked by the person in online banking: the next sync makes the consent reauth_required', async () => {
    const created = await post('/v1/consents', {
      provider: 'accessbank',
      end_user_id: 'bakhtiyor',
      redirect_uri: CLIENT_DONE,
      psu_ip_address: PSU_IP,
    });
    const { finalUrl } = await authoriseAtBank(
      created.body.authorisation_url,
      { username: 'bakhtiyor', password: 'Bakhtiyor-2024', otp: '123456' },
      (u) => u.origin === new URL(CLIENT_DONE).origin,
    );
    expect(finalUrl.searchParams.get('status')).toBe('active');
    const id = created.body.id as string;
    await until(
      () => s.get(`/v1/consents/${id}`),
      (c) => ['succeeded', 'failed'].includes(c.sync?.state),
      60_000,
    );
    // Optional is optional: balances the bank will not show are coverage, never a failed sync.
    await s.accessbankControl('POST', '/faults', {
      match: { path: '^/v1/accounts/[^/]+/balances' },
      status: 404,
      times: 10,
    });
    const partial = await post(`/v1/consents/${id}/sync`, { psu_ip_address: PSU_IP });
    const view = await syncDone(partial.body.sync_id);
    expect(view).toMatchObject({ state: 'succeeded', partial: true });
    expect(view.coverage).toEqual(
      expect.arrayContaining([expect.objectContaining({ resource: 'balances', state: 'unsupported' })]),
    );
    await s.accessbankControl('DELETE', '/faults');
    const list = await s.accessbankControl('GET', '/consents');
    const atBank = list.consents.find((c: any) => c.psu_id === 'bakhtiyor' && c.status === 'valid');
    await s.accessbankControl('POST', `/consents/${atBank.consent_id}/revoke`);
    const started = await post(`/v1/consents/${id}/sync`, { psu_ip_address: PSU_IP });
    expect(await syncDone(started.body.sync_id)).toMatchObject({ state: 'failed' });
    expect((await s.get(`/v1/consents/${id}`)).status).toBe('reauth_required');
  }, 90_000);

  it('revoked at Hisob: the consent is deleted at the bank (terminatedByTpp)', async () => {
    const list = await s.accessbankControl('GET', '/consents');
    const atBank = list.consents.find((c: any) => c.psu_id === 'zarina' && c.status === 'valid');
    const res = await fetch(`${s.api.url}/v1/consents/${consentId}`, {
      method: 'DELETE',
      headers: bearer(s.client.apiKey),
    });
    expect((await json(res)).status).toBe('revoked');
    const after = await until(
      () => s.accessbankControl('GET', `/consents/${atBank.consent_id}`),
      (c) => c.status !== 'valid',
      10_000,
    );
    expect(after.status).toBe('terminatedByTpp');
  });
});
