import { cleanEnv } from 'envalid';
import { accessBank } from '#connectors/accessbank/accessbank.provider.js';
import type { BankSession, Connector, ConsentRequest } from '#connectors/connector.js';
import type { RequestBudget } from '#connectors/request-budget.js';
import type { ContractFault, ContractHarness, FaultTarget } from '#connectors/testing/contract.suite.js';
import { authoriseAtBank } from '#testing/sca-browser.js';
import {
  startAccessBankSandbox,
  type AccessBankSandboxOptions,
  type RunningSandbox,
} from '../../sandbox-accessbank/src/main.js';
import { sandboxControl } from './alif-mobi-at-sandbox.js';

/** Zarina: TJS, USD and EUR accounts (the sandbox's README). */
export const ZARINA = { username: 'zarina', password: 'Zarina-2024', otp: '123456' };
export const REDIRECT_URI = 'http://127.0.0.1:3999/v1/consents/callback';
export const PSU_IP = '203.0.113.7';

export const REQUEST: ConsentRequest = {
  consentId: '0d7c6a52-3f1e-4b8a-9d2c-5e4f3a2b1c0d',
  permissions: ['accounts', 'balances', 'transactions', 'statements'],
  redirectUri: REDIRECT_URI,
  validUntil: null,
  msisdn: null,
  psuIpAddress: PSU_IP,
};

export interface AccessBankAtSandbox {
  bank: RunningSandbox;
  connector: Connector;
  control(method: string, path: string, body?: unknown): Promise<any>;
  authorise(
    decision?: 'allow' | 'deny',
    user?: typeof ZARINA,
  ): Promise<{ params: Record<string, string>; session: () => Promise<BankSession> }>;
  session(): Promise<BankSession>;
  close(): Promise<void>;
}

/**
 * The AccessBank connector, built from its provider definition and configured as a deployment
 * would be (`ACCESSBANK_*`), against the sandbox bank (its today pinned to 2026-06-30).
 */
export async function accessBankAtSandbox(
  opts: { bank?: AccessBankSandboxOptions; env?: Record<string, string>; budget?: RequestBudget } = {},
): Promise<AccessBankAtSandbox> {
  const bank = await startAccessBankSandbox({ logLevel: 'silent', anchorDate: '2026-06-30', ...opts.bank });
  const control = sandboxControl(bank);
  const config = cleanEnv({ ACCESSBANK_URL: bank.url, ...opts.env }, accessBank.config);
  const connector = accessBank.create(config, {
    timeoutMs: 3000,
    ...(opts.budget ? { budget: opts.budget } : {}),
  });
  const authorise = async (decision: 'allow' | 'deny' = 'allow', user = ZARINA) => {
    const start = await connector.startAuthorisation(REQUEST);
    if (start.kind !== 'redirect') throw new Error('expected a redirect');
    const { finalUrl } = await authoriseAtBank(start.authorisationUrl, { ...user, decision }, (u) =>
      u.href.startsWith(REDIRECT_URI),
    );
    const params = Object.fromEntries(finalUrl.searchParams);
    return {
      params,
      session: () =>
        connector.completeAuthorisation({ kind: 'redirect', callbackParams: params, pending: start.pending }),
    };
  };
  return {
    bank,
    connector,
    control,
    authorise,
    session: async () => (await authorise()).session(),
    close: () => bank.close(),
  };
}

const PATHS: Record<FaultTarget, string> = {
  accounts: '^/v1/accounts(\\?|$)',
  balances: '^/v1/accounts/[^/]+/balances',
  transactions: '^/v1/accounts/[^/]+/transactions',
};

/** How the bank plays each fault: the standard's codes (a status alone sends its standard body). */
const FAULTS: Partial<Record<ContractFault, Record<string, unknown>>> = {
  reauth_required: {
    status: 401,
    body: { tppMessages: [{ category: 'ERROR', code: 'CONSENT_EXPIRED', text: 'expired' }] },
  },
  not_permitted: { status: 403 },
  rate_limited: { status: 429 },
  transient: { status: 503 },
  protocol_violation: { body: 'malformed' },
};

/**
 * The contract suite's harness. The suite opens many streams of one account in one bank day, more
 * than a consent's four reads a day without the person: its reads are made with the person present
 * (`PSU-IP-Address`), which the bank does not count. The allowance has its own tests.
 */
export async function contractHarness(
  opts: Parameters<typeof accessBankAtSandbox>[0] = {},
): Promise<ContractHarness> {
  const at = await accessBankAtSandbox({ ...opts, bank: { pageSize: 40, ...opts.bank } });
  const users = await at.control('GET', '/users');
  const zarina = users.users.find((u: { psu_id: string }) => u.psu_id === ZARINA.username);
  const main = [...zarina.accounts].sort((a: any, b: any) => b.booked_count - a.booked_count)[0];
  const summary = await at.control('GET', `/accounts/${main.account_id}/summary`);
  const present = { psuIpAddress: PSU_IP };
  const c = at.connector;
  const connector: Connector = {
    ...c,
    listAccounts: (s) => c.listAccounts(s, present),
    getBalances: (s, id) => c.getBalances(s, id, present),
    transactions: (s, id, from, q) => c.transactions(s, id, from, { ...q, ...present }),
  };
  return {
    connector,
    accountId: main.account_id,
    expectedTransactionCount: summary.booked_count + summary.pending_count,
    session: at.session,
    async injectFault(kind, target, options = {}) {
      const fault = FAULTS[kind];
      if (!fault) throw new Error(`Berlin Group has no ${kind} reply`);
      await at.control('POST', '/faults', {
        match: { path: PATHS[target] },
        times: 1,
        after: options.after ?? 0,
        ...fault,
      });
    },
    clearFaults: () => at.control('DELETE', '/faults'),
    close: at.close,
  };
}
