import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { createAlifMobiConnector } from '#connectors/alif-mobi/alif-mobi.connector.js';
import type { BankSession } from '#connectors/connector.js';
import type { DriftReport, ResourceCheck } from '#connectors/revalidation.js';
import { ConsentSessions } from '#consents/consent-sessions.js';
import { authoriseAtBank } from '#testing/sca-browser.js';
import { startAlifMobiSandbox, type RunningSandbox } from '../../sandbox-alif-mobi/src/main.js';
import { bearer } from './harness.js';
import { USER, startStack, type Stack } from './stack.js';

/**
 * Re-validation: the Alif Mobi pass against the sandbox bank under its real-deployment profiles
 * and injected bodies; then, on the whole stack, the built CLI's output and exit codes, and the
 * worker's scheduled task feeding the API's /metrics.
 */

const run = promisify(execFile);
const BANK_REDIRECT = 'http://127.0.0.1:3000/v1/consents/callback';

/** A session at the sandbox through its static client, as a consent's would be. */
async function bankSession(bank: RunningSandbox) {
  const connector = createAlifMobiConnector({
    issuerUrl: bank.issuer,
    obpUrl: `${bank.url}/obp/v5.1.0`,
    bankId: 'alif.tj',
    clientId: 'hisob',
    clientSecret: 'hisob-sandbox-secret',
    timeoutMs: 5000,
  });
  const start = await connector.startAuthorisation({
    consentId: 'revalidation',
    permissions: ['accounts', 'balances', 'transactions', 'cards', 'transfers'],
    redirectUri: BANK_REDIRECT,
    validUntil: null,
    msisdn: null,
  });
  if (start.kind !== 'redirect') throw new Error('expected a redirect');
  const { finalUrl } = await authoriseAtBank(
    start.authorisationUrl,
    USER,
    (u) => u.origin === new URL(BANK_REDIRECT).origin,
  );
  const session = await connector.completeAuthorisation({
    kind: 'redirect',
    callbackParams: Object.fromEntries(finalUrl.searchParams),
    pending: start.pending,
  });
  return { connector, session };
}

const byName = (report: DriftReport) =>
  Object.fromEntries(report.resources.map((r) => [r.resource, r])) as Record<string, ResourceCheck>;
const states = (report: DriftReport) =>
  Object.fromEntries(report.resources.map((r) => [r.resource, r.state]));
const codes = (r: ResourceCheck) => [...new Set(r.errors.map((e) => `${e.status} ${e.code}`))];

/** Nothing of the session, and no card or account number, in what a report prints. */
function expectNoSecrets(text: string, session: BankSession) {
  expect(text).not.toContain(session.accessToken);
  if (session.refreshToken) expect(text).not.toContain(session.refreshToken);
  // UUIDs (consent ids) are random hex and may hold a run of ten digits; they are not numbers.
  const withoutIds = text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>');
  expect(withoutIds).not.toMatch(/\d{10,}/);
}

describe('the Alif Mobi pass against the sandbox bank', () => {
  const banks: RunningSandbox[] = [];
  afterAll(async () => {
    for (const b of banks) await b.close();
  });
  async function pass(profiles: string[] = [], setup?: (bank: RunningSandbox) => Promise<void>) {
    const bank = await startAlifMobiSandbox({
      port: 0,
      logLevel: 'silent',
      anchorDate: '2026-06-30',
      profiles,
    });
    banks.push(bank);
    const { connector, session } = await bankSession(bank);
    await setup?.(bank);
    const report = await connector.revalidate!(session);
    expectNoSecrets(JSON.stringify(report), session);
    return report;
  }

  it('finds no drift in the default profile: every resource answers as the schemas expect', async () => {
    const report = await pass();
    expect(report).toMatchObject({
      provider: 'alif-mobi',
      drifted: false,
      driftCount: 0,
      unreachableCount: 0,
    });
    expect(Object.values(states(report))).toEqual(Array(8).fill('ok'));
    const r = byName(report);
    // /my/accounts once, the rest once per account (dilnoza has four).
    expect([r.accounts!.calls, r.cards!.calls, r.balances!.calls, r['core-transactions']!.calls]).toEqual([
      1, 1, 4, 4,
    ]);
    for (const x of report.resources) expect(x.findings).toEqual([]);
  });

  it("real-shapes: still no drift, and it says what changed (no card ids, other banks' cards, no bespoke pairs)", async () => {
    const report = await pass(['real-shapes']);
    expect(report.drifted).toBe(false);
    const r = byName(report);
    expect(r.cards!.notes).toContainEqual({ kind: 'no_value', path: '$.cards[].card_id', actual: 'absent' });
    expect(r.cards!.info).toEqual(["1 card(s) of other banks, not this consent's"]);
    expect(r.counterparties!.notes).toContainEqual({
      kind: 'no_value',
      path: '$.counterparties[].bespoke',
      actual: 'empty',
    });
  });

  it('endpoints-off: cards, transaction requests and counterparties are reported unsupported with the bank codes', async () => {
    const report = await pass(['endpoints-off']);
    expect(states(report)).toEqual({
      accounts: 'ok',
      account: 'ok',
      balances: 'ok',
      transactions: 'ok',
      'core-transactions': 'ok',
      cards: 'unsupported',
      'transaction-requests': 'unsupported',
      counterparties: 'unsupported',
    });
    const r = byName(report);
    expect(codes(r.cards!)).toEqual(['404 OBP-10404']);
    expect(codes(r['transaction-requests']!)).toEqual(['400 OBP-40018']);
    expect(codes(r.counterparties!)).toEqual(['404 OBP-10404']);
    expect(report).toMatchObject({ drifted: true, driftCount: 0, unreachableCount: 3 });
  });

  it('restricted-view: read through the held view, forbidden resources with their codes, hidden fields noted', async () => {
    const report = await pass(['restricted-view']);
    expect(states(report)).toEqual({
      accounts: 'ok',
      account: 'ok',
      balances: 'forbidden',
      transactions: 'ok',
      'core-transactions': 'forbidden',
      cards: 'ok',
      'transaction-requests': 'forbidden',
      counterparties: 'forbidden',
    });
    const r = byName(report);
    expect(codes(r.balances!)).toEqual(['400 OBP-30065']);
    expect(codes(r['core-transactions']!)).toEqual(['400 OBP-20019']);
    expect(codes(r['transaction-requests']!)).toEqual(['400 OBP-20022']);
    expect(codes(r.counterparties!)).toEqual(['403 OBP-30022']);
    expect(r.account!.info[0]).toMatch(/^account …\w{3} read through view "ReadTransactionsBerlinGroup"$/);
    expect(r.transactions!.notes).toContainEqual({
      kind: 'no_value',
      path: '$.transactions[].details.type',
      actual: 'null',
    });
    expect(report.driftCount).toBe(0);
  });

  it('reports a body with an extra field, a changed type and a new code, and nothing of its values', async () => {
    const report = await pass([], async (bank) => {
      const res = await fetch(`${bank.url}/__sandbox/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          match: { path: '^/obp/v5\\.1\\.0/banks/[^/]+/accounts/[^/]+/balances' },
          body: {
            account_id: 'a1',
            balances: [
              { type: 'interimBooked', currency: 'TJS', amount: 1523.4, overdraft_limit: '4444333322221111' },
              { type: 'ReservedFunds', currency: 'TJS', amount: '10.00' },
            ],
          },
        }),
      });
      expect(res.status).toBe(201);
    });
    const r = byName(report);
    expect(r.balances!.state).toBe('ok');
    expect(r.balances!.findings.map((f) => [f.kind, f.path, f.expected, f.actual, f.count])).toEqual([
      ['type_changed', '$.balances[].amount', 'string', 'number', 4],
      ['unknown_field', '$.balances[].overdraft_limit', 'no such field', 'string', 4],
      ['new_enum_value', '$.balances[].type', 'a known balance type', '"ReservedFunds"', 4],
    ]);
    expect(report).toMatchObject({ drifted: true, driftCount: 3, unreachableCount: 0 });
    expect(JSON.stringify(report)).not.toContain('1523.4');
  });

  it('reads only what the consent grants', async () => {
    const bank = await startAlifMobiSandbox({ port: 0, logLevel: 'silent', anchorDate: '2026-06-30' });
    banks.push(bank);
    const { connector, session } = await bankSession(bank);
    const report = await connector.revalidate!(session, { reads: ['accounts', 'transactions'] });
    expect(states(report)).toMatchObject({
      balances: 'skipped',
      cards: 'skipped',
      counterparties: 'skipped',
      transactions: 'ok',
    });
    expect(byName(report).cards!.info).toEqual(['the consent does not grant cards']);
    expect(report.drifted).toBe(false);
  });
});

describe('re-validation of a consent: the CLI, the worker and /metrics', () => {
  let stack: Stack;
  let consentId: string;
  const cli = async (...args: string[]) => {
    const config = stack.api.config as unknown as Record<string, unknown>;
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      NODE_ENV: 'test',
      HISOB_LOG_LEVEL: 'silent',
    };
    for (const [k, v] of Object.entries(config))
      if (
        /^(ALIF_MOBI_|HISOB_(ENCRYPTION_KEY|REDIS_PREFIX|BANK_TIMEOUT_MS)$|DATABASE_URL$|REDIS_URL$)/.test(k)
      )
        env[k] = String(v);
    try {
      const { stdout, stderr } = await run(
        process.execPath,
        ['dist/apps/api/src/cli.js', 'revalidate', ...args],
        { env },
      );
      return { code: 0, stdout, stderr };
    } catch (err: any) {
      if (typeof err.code !== 'number') throw err;
      return { code: err.code as number, stdout: err.stdout as string, stderr: err.stderr as string };
    }
  };
  const session = async () => (await stack.api.app.get(ConsentSessions).current(consentId))!.session;
  const fault = (body: unknown) =>
    stack.control('POST', '/faults', {
      match: { path: '^/obp/v5\\.1\\.0/banks/[^/]+/accounts/[^/]+/owner/counterparties' },
      body,
    });
  const metrics = async () => (await fetch(`${stack.api.url}/metrics`)).text();

  beforeAll(async () => {
    stack = await startStack();
    consentId = await stack.activeConsent();
  });
  afterAll(async () => {
    await stack?.close();
  });
  afterEach(async () => {
    await stack.control('DELETE', '/faults');
  });

  it('prints a clean report and exits 0; --json prints the report as data', async () => {
    const text = await cli(consentId);
    expect(text).toMatchObject({ code: 0, stderr: '' });
    expect(text.stdout).toContain('No drift');
    expect(text.stdout).toMatch(/transaction-requests\s+ok/);
    const json = await cli(consentId, '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      provider: 'alif-mobi',
      consentId,
      drifted: false,
      driftCount: 0,
    });
    expectNoSecrets(text.stdout + json.stdout, await session());
  });

  it('exits 1 on drift and names it', async () => {
    await fault({ counterparties: [{ counterparty_id: 7, name: 'Ivan', bespoke: [], iban_v2: 'x' }] });
    const out = await cli(consentId);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(
      /type_changed\s+\$\.counterparties\[\]\.counterparty_id: type changed: expected string, got number/,
    );
    expect(out.stdout).toMatch(/unknown_field\s+\$\.counterparties\[\]\.iban_v2/);
  });

  it('refreshes the session once when the bank says the token expired, and stores the new one', async () => {
    const before = await session();
    await stack.control('POST', '/faults', {
      match: { path: '/obp/v5.1.0/my/accounts' },
      status: 401,
      body: {
        code: 401,
        message: 'OBP-20001: User not logged in. Authentication is required! <- OBP-20206: Expired JWT',
      },
      times: 1,
    });
    const out = await cli(consentId);
    expect(out).toMatchObject({ code: 0, stderr: '' });
    const after = await session();
    expect(after.accessToken).not.toBe(before.accessToken);
    expectNoSecrets(out.stdout, before);
    expectNoSecrets(out.stdout, after);
  });

  it('exits 2 on usage and consent errors', async () => {
    expect((await cli()).code).toBe(2);
    const unknown = await cli(randomUUID());
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toMatch(/not found/);
    expect((await cli('not-a-consent-id')).code).toBe(2);
  });

  it('the worker task revalidates each provider once per interval and the API exports the drift', async () => {
    const { MaintenanceProcessor } = await import('../../worker/src/processors/maintenance.processor.js');
    const processor = stack.worker!.app.get(MaintenanceProcessor);
    const logged = jest.spyOn((processor as any).logger, 'warn');
    expect(await metrics()).not.toMatch(/^hisob_provider_drift\{/m);

    await fault({ counterparties: [{ counterparty_id: 7, name: 'Ivan', bespoke: [] }] });
    expect(await processor.revalidateProviders()).toBe(1);
    // Not due again before the interval (24 h by default) has passed.
    expect(await processor.revalidateProviders()).toBe(0);

    const text = await metrics();
    expect(text).toContain(
      'hisob_provider_drift{provider="alif-mobi",resource="counterparties",kind="type_changed"} 1',
    );
    expect(text).toContain(
      'hisob_provider_drift{provider="alif-mobi",resource="cards",kind="unknown_field"} 0',
    );
    expect(text).toContain(
      'hisob_provider_drift{provider="alif-mobi",resource="balances",kind="forbidden"} 0',
    );
    const at = Number(
      /^hisob_provider_revalidated_timestamp_seconds\{provider="alif-mobi"\} (\d+)$/m.exec(text)?.[1],
    );
    expect(Math.abs(at - Date.now() / 1000)).toBeLessThan(120);

    const line = logged.mock.calls.find((c) => c[1] === 'provider drift');
    expect(line?.[0]).toMatchObject({
      consent_id: consentId,
      provider: 'alif-mobi',
      drifted: true,
      findings: [expect.objectContaining({ resource: 'counterparties', kind: 'type_changed' })],
    });
    expectNoSecrets(JSON.stringify(line), await session());

    // A day later it runs again, and the clean report replaces the drift.
    await stack.control('DELETE', '/faults');
    expect(await processor.revalidateProviders(new Date(Date.now() + 25 * 3_600_000))).toBe(1);
    expect(await metrics()).toContain(
      'hisob_provider_drift{provider="alif-mobi",resource="counterparties",kind="type_changed"} 0',
    );
  });

  it('exits 2 once the consent is revoked', async () => {
    const res = await fetch(`${stack.api.url}/v1/consents/${consentId}`, {
      method: 'DELETE',
      headers: bearer(stack.client.apiKey),
    });
    expect(res.status).toBeLessThan(300);
    const out = await cli(consentId);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/not active/);
  });
});
