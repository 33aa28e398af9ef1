import { cleanEnv } from 'envalid';
import { alifMobi } from '#connectors/alif-mobi/alif-mobi.provider.js';
import type { BankSession, Connector, ConsentRequest } from '#connectors/connector.js';
import type { ContractFault, ContractHarness, FaultTarget } from '#connectors/testing/contract.suite.js';
import { authoriseAtBank } from '#testing/sca-browser.js';
import {
  startAlifMobiSandbox,
  type AlifMobiSandboxOptions,
  type RunningSandbox,
} from '../../sandbox-alif-mobi/src/main.js';

/** The sandbox's demo user and the redirect URI registered for the connector under test. */
export const USER = { username: 'dilnoza', password: 'Dilnoza-2024', otp: '123456' };
export const REDIRECT_URI = 'http://127.0.0.1:3999/v1/consents/callback';
const CLIENT = { client_id: 'hisob-connector', client_secret: 'connector-secret' };

export const REQUEST: ConsentRequest = {
  consentId: '7b0a2c4e-1b7f-4c83-9b3e-2f0a9d1e5c11',
  permissions: ['accounts', 'balances', 'transactions', 'statements', 'cards', 'transfers'],
  redirectUri: REDIRECT_URI,
  validUntil: null,
  msisdn: null,
};

/** OBP's own scope names, for the `hydra-scopes` profile (configuration, never code). */
export const HYDRA_SCOPES = {
  ALIF_MOBI_SCOPE_BASE: 'openid offline',
  ALIF_MOBI_SCOPE_MAP:
    'accounts=ReadAccountsBasic,balances=ReadBalances,transactions=ReadTransactionsDetail,cards=ReadCards,transfers=ReadTransactionRequests',
};

export interface AlifMobiAtSandbox {
  bank: RunningSandbox;
  connector: Connector;
  control(method: string, path: string, body?: unknown): Promise<any>;
  /** A session of the demo user, authorised through the bank's SCA pages. */
  authorise(
    decision?: 'allow' | 'deny',
  ): Promise<{ params: Record<string, string>; session: () => Promise<BankSession> }>;
  session(): Promise<BankSession>;
  close(): Promise<void>;
}

/**
 * The Alif Mobi connector, built from its provider definition and configured as a deployment
 * would be (`ALIF_MOBI_*`), against the sandbox bank with the given profiles. One fake per bank:
 * the sandbox app; bank faults go through its `/__sandbox/faults`.
 */
export async function alifMobiAtSandbox(
  opts: {
    bank?: AlifMobiSandboxOptions;
    env?: Record<string, string>;
    client?: Record<string, unknown>;
    timeoutMs?: number;
  } = {},
): Promise<AlifMobiAtSandbox> {
  const bank = await startTestSandbox(opts.bank);
  const control = sandboxControl(bank);
  await control('POST', '/clients', { ...CLIENT, redirect_uris: [REDIRECT_URI], ...opts.client });
  const config = cleanEnv(
    {
      ALIF_MOBI_ISSUER_URL: bank.issuer,
      ALIF_MOBI_OBP_URL: `${bank.url}/obp/v5.1.0`,
      ALIF_MOBI_CLIENT_ID: CLIENT.client_id,
      ALIF_MOBI_CLIENT_SECRET: CLIENT.client_secret,
      ALIF_MOBI_PAGE_SIZE: '40',
      ALIF_MOBI_TIME_ZONE: 'UTC',
      ...opts.env,
    },
    alifMobi.config,
  );
  const connector = alifMobi.create(config, { timeoutMs: opts.timeoutMs ?? 2000 });
  const authorise = async (decision: 'allow' | 'deny' = 'allow') => {
    const start = await connector.startAuthorisation(REQUEST);
    if (start.kind !== 'redirect') throw new Error('expected a redirect');
    const { finalUrl } = await authoriseAtBank(start.authorisationUrl, { ...USER, decision }, (u) =>
      u.href.startsWith(REDIRECT_URI),
    );
    const params = Object.fromEntries(finalUrl.searchParams);
    return {
      params,
      pending: start.pending,
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

/** The Alif Mobi sandbox for a test: any free port, silent, its today pinned (else it is the real date). */
export function startTestSandbox(opts: AlifMobiSandboxOptions = {}): Promise<RunningSandbox> {
  return startAlifMobiSandbox({ port: 0, logLevel: 'silent', anchorDate: '2026-06-30', ...opts });
}

/** The sandbox's control API (`/__sandbox…`): JSON in and out, any 4xx/5xx thrown. */
export function sandboxControl(bank: { readonly url: string }) {
  return async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(`${bank.url}/__sandbox${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    if (res.status >= 400)
      throw new Error(`sandbox control ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json().catch(() => null);
  };
}

/** Where each contract fault target lives on OBP's wire (both transaction endpoints). */
const PATHS: Record<FaultTarget, string> = {
  accounts: '/obp/v5.1.0/my/accounts',
  balances: '^/obp/v5\\.1\\.0/banks/[^/]+/accounts/[^/]+/balances',
  transactions:
    '^/obp/v5\\.1\\.0/(banks/[^/]+/accounts/[^/]+/[^/]+|my/banks/[^/]+/accounts/[^/]+)/transactions',
};

/** How the sandbox plays each fault, as OBP-API answers it. */
const FAULTS: Partial<Record<ContractFault, Record<string, unknown>>> = {
  reauth_required: { status: 401 },
  token_expired: {
    status: 401,
    body: {
      code: 401,
      message:
        'OBP-20001: User not logged in. Authentication is required! <- OBP-20206: Bad JSON Object Signing and Encryption (JOSE) exception. The ID token is invalid or expired.',
    },
  },
  not_permitted: { status: 400, body: { code: 400, message: 'OBP-20022: View does not permit the access.' } },
  rate_limited: { status: 429, reset_s: 7 },
  transient: { status: 503 },
  protocol_violation: { body: 'malformed' },
};

/** The contract suite's harness over {@link alifMobiAtSandbox}. */
export async function contractHarness(
  opts: Parameters<typeof alifMobiAtSandbox>[0] = {},
): Promise<ContractHarness> {
  const at = await alifMobiAtSandbox(opts);
  const users = await at.control('GET', '/users');
  const dilnoza = users.users.find((u: { username: string }) => u.username === USER.username);
  const wallet = [...dilnoza.accounts].sort((a: any, b: any) => b.transaction_count - a.transaction_count)[0];
  return {
    connector: at.connector,
    accountId: wallet.account_id,
    expectedTransactionCount: (await at.control('GET', `/accounts/${wallet.account_id}/summary`))
      .transaction_count,
    session: at.session,
    async injectFault(kind, target, options = {}) {
      const fault = FAULTS[kind];
      if (!fault) throw new Error(`OBP has no ${kind} reply`);
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
