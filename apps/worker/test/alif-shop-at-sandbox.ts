import { CREDIT_ACCOUNT_ID, createAlifShopConnector } from '#connectors/alif-shop/alif-shop.connector.js';
import type { ContractFault, ContractHarness, FaultTarget } from '#connectors/testing/contract.suite.js';
import { startAlifShopSandbox } from '../../sandbox-alif-shop/src/main.js';
import { sandboxControl } from './alif-mobi-at-sandbox.js';

/** Ayesha, the sandbox backend's customer with a long history. */
const AYESHA = '+923001234567';

const PATHS: Record<FaultTarget, string> = {
  accounts: '/api/v1/account/limit',
  balances: '/api/v1/account/limit',
  transactions: '/api/v1/history',
};

/** How the backend plays each fault (a status alone sends its own body for it). */
const FAULTS: Partial<Record<ContractFault, Record<string, unknown>>> = {
  reauth_required: { status: 401 },
  token_expired: { status: 401, body: { error: 'token_expired' } },
  not_permitted: { status: 403 },
  challenge_pending: { status: 423 },
  rate_limited: { status: 429 },
  transient: { status: 503 },
  protocol_violation: { body: 'malformed' },
};

/**
 * The contract suite's harness for Alif Shop: the connector against the sandbox backend, a
 * session by one-time code, the credit line's history in pages of 20.
 */
export async function contractHarness(): Promise<ContractHarness> {
  const shop = await startAlifShopSandbox({ port: 0, logLevel: 'silent', anchorDate: '2026-06-30' });
  const control = sandboxControl(shop);
  const connector = createAlifShopConnector({ url: shop.url, timeoutMs: 3000, pageSize: 20 });
  const users = await control('GET', '/users');
  const ayesha = users.users.find((u: { msisdn: string }) => u.msisdn === AYESHA);
  return {
    connector,
    accountId: CREDIT_ACCOUNT_ID,
    expectedTransactionCount: ayesha.history_items,
    async session() {
      const start = await connector.startAuthorisation({
        consentId: 'contract',
        permissions: ['accounts', 'balances', 'transactions', 'credit'],
        redirectUri: '',
        validUntil: null,
        msisdn: AYESHA,
      });
      return connector.completeAuthorisation({ kind: 'otp', otp: '123456', pending: start.pending });
    },
    async injectFault(kind, target, options = {}) {
      const fault = FAULTS[kind];
      if (!fault) throw new Error(`Alif Shop has no ${kind} reply`);
      await control('POST', '/faults', {
        match: { path: PATHS[target] },
        times: 1,
        after: options.after ?? 0,
        ...fault,
      });
    },
    clearFaults: () => control('DELETE', '/faults'),
    close: () => shop.close(),
  };
}
