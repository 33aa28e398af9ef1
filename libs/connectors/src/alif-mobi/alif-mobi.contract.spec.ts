import {
  describeConnectorContract,
  type ContractFault,
  type FaultTarget,
} from '../testing/contract.suite.js';
import { createAlifMobiConnector } from './alif-mobi.connector.js';
import {
  BANK_ID,
  CLIENT_ID,
  CLIENT_SECRET,
  FixtureBank,
  TJS_ACCOUNT,
  fixture,
  fixtureText,
  type Fault,
} from './fixtures/fixture-bank.js';

const PATHS: Record<FaultTarget, string> = {
  accounts: '/my/accounts',
  balances: '/balances',
  transactions: '/owner/transactions',
};

/** How the fixture bank plays each fault, per OBP (research obp-berlin-facts §1.7–1.8). */
const FAULTS: Record<Exclude<ContractFault, 'challenge_pending' | 'unsupported'>, Omit<Fault, 'path'>> = {
  reauth_required: { status: 401, body: fixture('error-401-consent-expired.json') },
  token_expired: {
    status: 401,
    body: {
      code: 401,
      message:
        'OBP-20001: User not logged in. Authentication is required! <- OBP-20206: OAuth2 Access Token is invalid or expired.',
    },
  },
  not_permitted: { status: 403, body: fixture('error-403-view.json') },
  rate_limited: {
    status: 429,
    body: fixture('error-429-rate-limit.json'),
    headers: { 'x-rate-limit-limit': '60', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': '7' },
  },
  transient: { status: 502, body: '<html>Bad Gateway</html>' },
  protocol_violation: { status: 200, body: fixtureText('transactions-truncated.txt') },
};

describeConnectorContract('alif-mobi against the fixture bank', async () => {
  const bank = await new FixtureBank(57).start();
  const connector = createAlifMobiConnector({
    issuerUrl: bank.issuer,
    obpUrl: bank.obpUrl,
    bankId: BANK_ID,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    pageSize: 10,
    timeoutMs: 2000,
  });
  return {
    connector,
    accountId: TJS_ACCOUNT,
    expectedTransactionCount: 57,
    async session() {
      const start = await connector.startAuthorisation({
        consentId: 'c-1',
        permissions: ['accounts', 'balances', 'transactions'],
        redirectUri: 'http://127.0.0.1:3000/v1/consents/callback',
        validUntil: null,
        msisdn: null,
      });
      if (start.kind !== 'redirect') throw new Error('expected a redirect');
      const callbackParams = await bank.authorize(start.authorisationUrl);
      return connector.completeAuthorisation({ kind: 'redirect', callbackParams, pending: start.pending });
    },
    async injectFault(kind, target, options = {}) {
      if (kind === 'challenge_pending' || kind === 'unsupported')
        throw new Error(`no ${kind} fault on transactions`);
      bank.fault({ ...FAULTS[kind], path: PATHS[target], after: options.after ?? 0 });
    },
    async clearFaults() {
      bank.clearFaults();
    },
    close: () => bank.stop(),
  };
});
