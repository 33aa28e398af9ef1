import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { QUEUES, jobIds } from '#common/queues.js';
import { Keyring } from '#crypto/keyring.js';
import { LifecycleSweeper } from '../../worker/src/lifecycle-sweeper.js';
import { MaintenanceProcessor } from '../../worker/src/processors/maintenance.processor.js';
import { startStack, until, type Stack } from './stack.js';

/**
 * `HISOB_TOKEN_REFRESH_ALIF_MOBI=at_sync`: no refresh jobs for Alif Mobi consents; a sync that
 * starts with an expired session renews it first (one refresh grant), a refused refresh makes the
 * consent `reauth_required`, and expiry is the maintenance queue's. The sandbox issues access
 * tokens of a few seconds, so they expire within the test.
 */
const TOKEN_TTL_S = 8;
let s: Stack;
let worker: NonNullable<Stack['worker']>;

beforeAll(async () => {
  s = await startStack({
    env: { HISOB_TOKEN_REFRESH_ALIF_MOBI: 'at_sync' },
    bank: { accessTokenTtlS: TOKEN_TTL_S },
  });
  worker = s.worker!;
});
afterAll(() => s?.close());
afterEach(() => s.control('DELETE', '/faults'));

const refreshQueue = () => worker.app.get<Queue>(getQueueToken(QUEUES.tokenRefresh));

/** Every job of the token-refresh queue, in any state, for the consent. */
const refreshJobsOf = async (consentId: string) =>
  (
    await refreshQueue().getJobs([
      'active',
      'waiting',
      'delayed',
      'prioritized',
      'waiting-children',
      'completed',
      'failed',
    ])
  ).filter((j) => j?.data?.consentId === consentId);

const consentRow = (id: string) => s.consentRow(id);

const accessTokenOf = (consentId: string, sessionEnc: string) =>
  (
    JSON.parse(
      Keyring.parse(s.api.config.HISOB_ENCRYPTION_KEY).decrypt(sessionEnc, `consent:${consentId}:session`),
    ) as { accessToken: string }
  ).accessToken;

const syncsSettled = (consentId: string) =>
  until(
    () => s.db<{ state: string }>(`SELECT state FROM syncs WHERE consent_id = $1`, [consentId]),
    (rows) => rows.length > 0 && rows.every((r) => r.state === 'succeeded' || r.state === 'failed'),
    60_000,
  );

async function syncNow(consentId: string) {
  const syncId = await s.syncNow(consentId);
  return until(
    () => s.get(`/v1/syncs/${syncId}`),
    (v) => v.state === 'succeeded' || v.state === 'failed',
    60_000,
  );
}

/** An authorised consent whose first sync has ended and whose access token has since expired. */
async function expiredConsent(endUser: string) {
  const id = await s.activeConsent(endUser);
  await syncsSettled(id);
  const row = await consentRow(id);
  await new Promise((r) => setTimeout(r, Math.max(0, row.token_expires_at!.getTime() - Date.now() + 500)));
  return { id, row };
}

/** Counts the bank's requests to `path` from now on (a fault that never fires). */
async function countRequests(method: string, path: string): Promise<() => Promise<number>> {
  const fault = await s.control('POST', '/faults', {
    match: { method, path },
    delay_ms: 0,
    after: 1_000_000,
  });
  return async () =>
    ((await s.control('GET', '/faults')).faults as Array<{ id: string; hits: number }>).find(
      (f) => f.id === fault.id,
    )!.hits;
}

describe('token refresh at sync time (at_sync)', () => {
  it('schedules no refresh job; a sync after the token expired renews it once, and still schedules none', async () => {
    const { id, row: before } = await expiredConsent('at-sync-user');
    expect(before.status).toBe('active');
    expect(before.refresh_job_id).toBeNull();
    expect(await refreshJobsOf(id)).toEqual([]);
    expect(before.token_expires_at!.getTime()).toBeLessThan(Date.now());

    const grants = await countRequests('POST', '/token');
    const listings = await countRequests('GET', '/obp/v5.1.0/my/accounts');
    const sync = await syncNow(id);
    expect(sync.state).toBe('succeeded');
    expect(await grants()).toBe(1);
    // Renewed before the first bank call, not after the bank refused the expired token.
    expect(await listings()).toBe(1);
    const after = await consentRow(id);
    expect(after).toMatchObject({ status: 'active', status_reason: null, refresh_job_id: null });
    expect(after.token_expires_at!.getTime()).toBeGreaterThan(before.token_expires_at!.getTime());
    expect(accessTokenOf(id, after.session_enc!)).not.toBe(accessTokenOf(id, before.session_enc!));
    expect(await refreshJobsOf(id)).toEqual([]);

    // The sweeper sees a token expiring with no refresh job, which is not lost work here.
    await s.db(`UPDATE consents SET token_expires_at = now() + interval '1 minute' WHERE id = $1`, [id]);
    const swept = await worker.app.get(LifecycleSweeper).sweep();
    expect(swept.refreshes).toBe(0);
    expect((await consentRow(id)).refresh_job_id).toBeNull();
    expect(await refreshJobsOf(id)).toEqual([]);
  });

  it('makes the consent reauth_required when the bank refuses the refresh a sync needs', async () => {
    const { id } = await expiredConsent('at-sync-refused');
    await s.control('POST', '/faults', {
      match: { method: 'POST', path: '/token' },
      status: 401,
      body: { error: 'invalid_grant' },
      times: 1,
    });
    const sync = await syncNow(id);
    expect(sync.state).toBe('failed');
    expect(sync.error).toMatch(/reauthorisation required/);
    expect(await consentRow(id)).toMatchObject({
      status: 'reauth_required',
      session_enc: null,
      token_expires_at: null,
    });
    expect((await s.get(`/v1/consents/${id}`)).status).toBe('reauth_required');
  });

  it('lets a refresh job queued before the switch to at_sync end without refreshing', async () => {
    const id = await s.activeConsent('at-sync-old-job');
    await syncsSettled(id);
    const before = await consentRow(id);
    // What `ahead` had scheduled and recorded on the consent before the deployment changed.
    const jobId = jobIds.tokenRefresh(id, new Date());
    await s.db(`UPDATE consents SET refresh_job_id = $2 WHERE id = $1`, [id, jobId]);
    const grants = await countRequests('POST', '/token');
    const job = await refreshQueue().add('refresh', { consentId: id }, { jobId, removeOnComplete: false });
    const done = await until(
      () => refreshQueue().getJob(job.id!),
      (j) => j?.finishedOn !== undefined,
      15_000,
    );
    expect(done!.returnvalue).toBe('at_sync');
    expect(await grants()).toBe(0);
    const after = await consentRow(id);
    expect(after).toMatchObject({ status: 'active', refresh_job_id: null });
    expect(after.session_enc).toBe(before.session_enc);
  });

  it('expires the consent at valid_until without a refresh job (the maintenance queue)', async () => {
    const id = await s.activeConsent('at-sync-expiry');
    await syncsSettled(id);
    await s.db(`UPDATE consents SET expires_at = now() - interval '1 minute' WHERE id = $1`, [id]);
    const status = async () => {
      await worker.app.get(MaintenanceProcessor).expireConsents();
      return (await consentRow(id)).status;
    };
    expect(await until(status, (v) => v === 'expired', 15_000)).toBe('expired');
    expect(await consentRow(id)).toMatchObject({ session_enc: null, token_expires_at: null });
  });
});
