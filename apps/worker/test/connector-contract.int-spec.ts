import { afterAll } from '@jest/globals';
import { describeConnectorContract } from '#connectors/testing/contract.suite.js';
import { makeSigningCertificates, type TestSigningCertificates } from '#testing/certificates.js';
import { HYDRA_SCOPES, contractHarness } from './alif-mobi-at-sandbox.js';
import { contractHarness as accessBankHarness } from './accessbank-at-sandbox.js';
import { contractHarness as alifShopHarness } from './alif-shop-at-sandbox.js';

/**
 * The connector contract (paging to completion, resume from any checkpoint with no gap and no
 * duplicate, every fault class as its typed error) for Alif Mobi against the sandbox bank: as a
 * healthy bank, and as real OBP-API deployments behave (libs/connectors/src/testing/contract.suite.ts).
 */
describeConnectorContract('alif-mobi against the sandbox', () => contractHarness());

describeConnectorContract('alif-mobi behind a header-stripping proxy with a capped page size', () =>
  contractHarness({ bank: { profiles: 'nginx,page-cap' } }),
);

describeConnectorContract('alif-mobi through a view without owner access', () =>
  contractHarness({ bank: { profiles: 'restricted-view' } }),
);

describeConnectorContract('alif-mobi against the strict bank (every real-deployment behaviour at once)', () =>
  contractHarness({ bank: { profiles: 'strict' }, env: HYDRA_SCOPES }),
);

describeConnectorContract(
  'accessbank (Berlin Group NextGenPSD2) against the sandbox',
  () => accessBankHarness(),
  {
    faults: ['reauth_required', 'not_permitted', 'rate_limited', 'transient', 'protocol_violation'],
  },
);

let signing: TestSigningCertificates | undefined;
afterAll(() => signing?.remove());

describeConnectorContract(
  'accessbank signing its requests (ACCESSBANK_SIGNING_KEY/_CERT) against a sandbox that demands it',
  () => {
    signing ??= makeSigningCertificates();
    return accessBankHarness({
      bank: { requireSignature: true },
      env: { ACCESSBANK_SIGNING_KEY: signing.keyPath, ACCESSBANK_SIGNING_CERT: signing.certPem },
    });
  },
  {
    faults: ['reauth_required', 'not_permitted', 'rate_limited', 'transient', 'protocol_violation'],
  },
);

describeConnectorContract('alif-shop against the sandbox backend', () => alifShopHarness(), {
  faults: [
    'reauth_required',
    'token_expired',
    'not_permitted',
    'challenge_pending',
    'rate_limited',
    'transient',
    'protocol_violation',
  ],
});
