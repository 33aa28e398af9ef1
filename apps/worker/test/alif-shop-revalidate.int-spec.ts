import { createAlifShopConnector } from '#connectors/alif-shop/alif-shop.connector.js';
import type { BankSession } from '#connectors/connector.js';
import { startAlifShopSandbox } from '../../sandbox-alif-shop/src/main.js';
import { sandboxControl } from './alif-mobi-at-sandbox.js';

/** The Alif Shop re-validation pass against the sandbox backend: clean as it is, drift when its shapes move. */
const AYESHA = '+923001234567';
let shop: Awaited<ReturnType<typeof startAlifShopSandbox>>;
let control: ReturnType<typeof sandboxControl>;
const sut = () => createAlifShopConnector({ url: shop.url, timeoutMs: 3000 });
let session: BankSession;

beforeAll(async () => {
  shop = await startAlifShopSandbox({ port: 0, logLevel: 'silent', anchorDate: '2026-06-30' });
  control = sandboxControl(shop);
  const c = sut();
  const start = await c.startAuthorisation({
    consentId: 'c',
    permissions: ['accounts', 'balances', 'transactions', 'credit'],
    redirectUri: '',
    validUntil: null,
    msisdn: AYESHA,
  });
  session = await c.completeAuthorisation({ kind: 'otp', otp: '123456', pending: start.pending });
});
afterAll(() => shop?.close());
afterEach(() => control('DELETE', '/faults'));

it('reads every ledger resource once and finds no drift on the backend as it is', async () => {
  const report = await sut().revalidate(session);
  expect(report.resources.map((r) => [r.resource, r.state])).toEqual([
    ['limit', 'ok'],
    ['plans', 'ok'],
    ['schedule', 'ok'],
    ['history', 'ok'],
  ]);
  expect(report.resources.flatMap((r) => r.findings)).toEqual([]);
  expect(report.drifted).toBe(false);
});

it('reports a new field, an amount turned string and a new plan origin, without failing', async () => {
  await control('POST', '/faults', {
    match: { path: '/api/v1/instalments/plans?' },
    body: {
      plans: [
        {
          plan_id: 'p-1',
          origin: 'electronics',
          principal_pkr: '100.5',
          markup_pct: 0,
          tenor_months: 3,
          status: 'current',
          created_at: '2026-06-01T00:00:00Z',
          loyalty_points: 3,
        },
      ],
      page: 1,
      per_page: 50,
      total: 1,
    },
    times: 1,
  });
  const report = await sut().revalidate(session);
  const plans = report.resources.find((r) => r.resource === 'plans')!;
  expect(plans.findings.map((f) => [f.kind, f.path])).toEqual(
    expect.arrayContaining([
      ['unknown_field', '$.plans[].loyalty_points'],
      ['type_changed', '$.plans[].principal_pkr'],
      ['new_enum_value', '$.plans[].origin'],
    ]),
  );
  expect(report.drifted).toBe(true);
});

it('reports a 3-D Secure gate as a failed call, not drift', async () => {
  await control('POST', '/challenge', { msisdn: AYESHA, seconds: 2 });
  const report = await sut().revalidate(session);
  expect(report.resources.find((r) => r.resource === 'history')!.state).toBe('failed');
  await control('DELETE', '/challenge');
});
