import { createBerlinGroupConnector } from '#connectors/accessbank/berlin-group.connector.js';
import type { BankSession } from '#connectors/connector.js';
import { authoriseAtBank } from '#testing/sca-browser.js';
import { startAccessBankSandbox, type RunningSandbox } from '../../sandbox-accessbank/src/main.js';
import { templateOf } from '../../sandbox-accessbank/test/helpers.js';
import { validateRequest, type RecordedRequest } from '../../sandbox-accessbank/test/openapi.js';
import { PSU_IP, REDIRECT_URI, REQUEST, ZARINA } from './accessbank-at-sandbox.js';

/**
 * Every request the AccessBank connector sends, checked against the official NextGenPSD2 1.3.11
 * OpenAPI file (the sandbox's fixture): required headers (`X-Request-ID` a UUID on every request,
 * `Consent-ID` on reads, `PSU-IP-Address` on consent creation), `PSU-IP-Address` on a read if and
 * only if the person is present, declared query parameters with allowed values, and a consent body
 * the request schema accepts. A bank built from the file may refuse anything else.
 */
let bank: RunningSandbox;
const recorded: Array<RecordedRequest & { followed: boolean }> = [];
let session: BankSession;

const recordingFetch = (async (input: URL | string, init?: RequestInit) => {
  const url = new URL(String(input));
  const headers = Object.fromEntries(
    Object.entries((init?.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]),
  );
  recorded.push({
    method: init?.method ?? 'GET',
    target: `${url.pathname}${url.search}`,
    headers,
    ...(typeof init?.body === 'string' ? { body: JSON.parse(init.body) } : {}),
    // A `_links.next` the bank wrote: its query is the bank's own (the standard only says "follow it").
    followed: url.searchParams.has('page'),
  });
  return fetch(input, init);
}) as typeof fetch;

const connector = () =>
  createBerlinGroupConnector(
    {
      provider: 'accessbank',
      baseUrl: bank.url,
      timeZone: 'Asia/Dushanbe',
      historyDays: 730,
      frequencyPerDay: 4,
      consentDays: 180,
      psuIpFallback: '127.0.0.1',
      timeoutMs: 3000,
    },
    { fetch: recordingFetch },
  );

beforeAll(async () => {
  bank = await startAccessBankSandbox({ logLevel: 'silent', anchorDate: '2026-06-30', pageSize: 100 });
  const c = connector();
  const start = await c.startAuthorisation(REQUEST);
  if (start.kind !== 'redirect') throw new Error('expected a redirect');
  const { finalUrl } = await authoriseAtBank(start.authorisationUrl, ZARINA, (u) =>
    u.href.startsWith(REDIRECT_URI),
  );
  session = await c.completeAuthorisation({
    kind: 'redirect',
    callbackParams: Object.fromEntries(finalUrl.searchParams),
    pending: start.pending,
  });
});
afterAll(() => bank?.close());

it('sends only requests the OpenAPI file allows, through a whole consent life', async () => {
  const c = connector();
  const accounts = (await c.listAccounts(session)).items;
  expect(accounts.length).toBe(3);
  for (const a of accounts) {
    await c.getBalances(session, a.providerAccountId);
    for await (const _ of c.transactions(session, a.providerAccountId, null)) void _;
  }
  await c.listAccounts(session, { psuIpAddress: PSU_IP });
  for await (const _ of c.transactions(session, accounts[0]!.providerAccountId, null, {
    since: '2026-06-01',
    psuIpAddress: PSU_IP,
  }))
    void _;
  await c.refresh(session);
  await c.revoke(session);

  const problems: string[] = [];
  for (const r of recorded) {
    const template = templateOf(r.target);
    const found = await validateRequest(template, r);
    problems.push(
      ...found
        .filter((p) => !(r.followed && /query parameter \w+ is not declared/.test(p)))
        .map((p) => `${r.method} ${r.target}: ${p}`),
    );
  }
  expect(problems).toEqual([]);
  const templates = new Set(recorded.map((r) => `${r.method} ${templateOf(r.target)}`));
  expect([...templates].sort()).toEqual(
    [
      'DELETE /v1/consents/{consentId}',
      'GET /v1/accounts',
      'GET /v1/accounts/{account-id}/balances',
      'GET /v1/accounts/{account-id}/transactions',
      'GET /v1/consents/{consentId}',
      'GET /v1/consents/{consentId}/status',
      'POST /v1/consents',
    ].sort(),
  );
  const ids = recorded.map((r) => r.headers['x-request-id']);
  expect(new Set(ids).size).toBe(ids.length);
  const reads = recorded.filter((r) => r.target.startsWith('/v1/accounts'));
  for (const r of reads) expect(r.headers['consent-id']).toBe(session.accessToken);
  // PSU-IP-Address on a read exactly when the person is present.
  const present = reads.filter((r) => r.headers['psu-ip-address'] !== undefined);
  expect(present.every((r) => r.headers['psu-ip-address'] === PSU_IP)).toBe(true);
  expect(present.length).toBeGreaterThanOrEqual(2);
  expect(reads.length - present.length).toBeGreaterThanOrEqual(7);
  for (const r of recorded.filter((x) => x.target.startsWith('/v1/consents')))
    expect(r.headers['consent-id']).toBeUndefined();
});

it('the validator catches a request the file does not allow (so the test above can fail)', async () => {
  const problems = await validateRequest('/v1/accounts/{account-id}/transactions', {
    method: 'GET',
    target: '/v1/accounts/x/transactions?bookingStatus=everything&dateFrom=2026-13-01&pageIndex=2&page=3',
    headers: { 'x-request-id': 'not-a-uuid' },
  });
  expect(problems.join('\n')).toMatch(/bookingStatus/);
  expect(problems.join('\n')).toMatch(/not a date/);
  expect(problems.join('\n')).toMatch(/page is not declared/);
  expect(problems.join('\n')).not.toMatch(/pageIndex/);
  expect(problems.join('\n')).toMatch(/not a uuid/);
  expect(problems.join('\n')).toMatch(/Consent-ID missing/);
});
