import type { RunningSandbox } from '../src/main.js';
import {
  PSU_IP,
  REDIRECT,
  completeSca,
  consentBody,
  consentHeaders,
  control,
  createConsent,
  startSandbox,
  xs2a,
} from './helpers.js';
import { keyIdOf, makeTpp, signedXs2a, type Tpp } from './signing.js';

/**
 * `--require-signature`: every `/v1` request must carry a valid Berlin Group signature (Digest over
 * the raw body, Signature over the signed headers, TPP-Signature-Certificate named by the keyId,
 * an RFC 7231 Date); refusals carry the standard's codes. The SCA pages and the control API are
 * not signed. Without the option nothing is asked.
 */
let tpp: Tpp;
beforeAll(() => {
  tpp = makeTpp();
}, 30_000);
afterAll(() => tpp?.remove());

const codeOf = (r: { body: any }) => r.body?.tppMessages?.[0]?.code as string | undefined;

describe('AccessBank sandbox with requireSignature', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startSandbox({ requireSignature: true });
  });
  afterAll(() => sb.close());

  it('refuses an unsigned request with 401 SIGNATURE_MISSING', async () => {
    const created = await createConsent(sb);
    expect([created.status, codeOf(created)]).toEqual([401, 'SIGNATURE_MISSING']);
    const read = await xs2a(sb, 'GET', '/v1/accounts', { consentId: 'whatever' });
    expect([read.status, codeOf(read)]).toEqual([401, 'SIGNATURE_MISSING']);
    expect(read.body.tppMessages[0].category).toBe('ERROR');
    // The refusal comes before anything else is looked at: no consent was made.
    expect((await control(sb, 'GET', '/consents')).body.consents ?? []).toHaveLength(0);
  });

  it('serves a correctly signed consent life: creation, SCA (unsigned pages), status and reads', async () => {
    const created = await signedXs2a(sb, tpp, 'POST', '/v1/consents', {
      json: consentBody(),
      headers: consentHeaders(),
    });
    expect(created.status).toBe(201);
    const id = created.body.consentId as string;
    expect(await completeSca(created.body._links.scaRedirect.href)).toBe(REDIRECT);
    const status = await signedXs2a(sb, tpp, 'GET', `/v1/consents/${id}/status`);
    expect(status.body.consentStatus).toBe('valid');
    const accounts = await signedXs2a(sb, tpp, 'GET', '/v1/accounts', {
      headers: { 'consent-id': id, 'psu-ip-address': PSU_IP },
    });
    expect(accounts.status).toBe(200);
    const account = accounts.body.accounts[0].resourceId as string;
    const balances = await signedXs2a(sb, tpp, 'GET', `/v1/accounts/${account}/balances`, {
      headers: { 'consent-id': id, 'psu-ip-address': PSU_IP },
    });
    expect(balances.status).toBe(200);
    // A serial written with leading zeros and in lower case names the same certificate.
    const keyId = keyIdOf(tpp.certPem).replace('SN=9FA1', 'SN=009fa1');
    const again = await signedXs2a(sb, tpp, 'GET', `/v1/consents/${id}`, { keyId });
    expect(again.status).toBe(200);
    const deleted = await signedXs2a(sb, tpp, 'DELETE', `/v1/consents/${id}`);
    expect(deleted.status).toBe(204);
  });

  it('refuses a body changed after signing (SIGNATURE_INVALID on the Digest)', async () => {
    const r = await signedXs2a(sb, tpp, 'POST', '/v1/consents', {
      json: consentBody(),
      headers: consentHeaders(),
      tamper: { body: JSON.stringify(consentBody({ frequencyPerDay: 3 })) },
    });
    expect([r.status, codeOf(r)]).toEqual([401, 'SIGNATURE_INVALID']);
    expect(r.body.tppMessages[0].path).toBe('Digest');
  });

  it('refuses a signed header changed after signing, and a signature over too few headers', async () => {
    const changed = await signedXs2a(sb, tpp, 'POST', '/v1/consents', {
      json: consentBody(),
      headers: consentHeaders(),
      tamper: { headers: { 'tpp-redirect-uri': 'https://attacker.example/cb' } },
    });
    expect([changed.status, codeOf(changed)]).toEqual([401, 'SIGNATURE_INVALID']);
    expect(changed.body.tppMessages[0].text).toMatch(/does not verify/);
    // tpp-redirect-uri is present: it must be signed.
    const uncovered = await signedXs2a(sb, tpp, 'POST', '/v1/consents', {
      json: consentBody(),
      headers: consentHeaders(),
      signed: ['digest', 'x-request-id', 'date'],
    });
    expect([uncovered.status, codeOf(uncovered)]).toEqual([401, 'SIGNATURE_INVALID']);
    expect(uncovered.body.tppMessages[0].text).toMatch(/tpp-redirect-uri/);
    const noRequestId = await signedXs2a(sb, tpp, 'GET', '/v1/consents/x/status', {
      signed: ['digest', 'date'],
    });
    expect([noRequestId.status, codeOf(noRequestId)]).toEqual([401, 'SIGNATURE_INVALID']);
    const noDigest = await signedXs2a(sb, tpp, 'GET', '/v1/consents/x/status', {
      tamper: { headers: { digest: null } },
    });
    expect([noDigest.status, codeOf(noDigest)]).toEqual([401, 'SIGNATURE_INVALID']);
  });

  it('refuses a certificate that is not the one the keyId names', async () => {
    // Same key, so the signature itself would verify: only the serial differs.
    const r = await signedXs2a(sb, tpp, 'GET', '/v1/consents/x/status', { certPem: tpp.otherCertPem });
    expect([r.status, codeOf(r)]).toEqual([401, 'SIGNATURE_INVALID']);
    expect(r.body.tppMessages[0].text).toMatch(/serial/);
    const wrongCa = keyIdOf(tpp.certPem).replace(/CA=.*/, 'CA=CN=Other%20CA,C=DE');
    const ca = await signedXs2a(sb, tpp, 'GET', '/v1/consents/x/status', { keyId: wrongCa });
    expect([ca.status, codeOf(ca)]).toEqual([401, 'SIGNATURE_INVALID']);
    expect(ca.body.tppMessages[0].text).toMatch(/issuer/);
  });

  it('refuses a missing or unreadable certificate, and a Date that is not RFC 7231', async () => {
    const missing = await signedXs2a(sb, tpp, 'GET', '/v1/consents/x/status', {
      tamper: { headers: { 'tpp-signature-certificate': null } },
    });
    expect([missing.status, codeOf(missing)]).toEqual([401, 'CERTIFICATE_MISSING']);
    const pem = await signedXs2a(sb, tpp, 'GET', '/v1/consents/x/status', {
      tamper: { headers: { 'tpp-signature-certificate': tpp.certPem.replace(/\n/g, ' ') } },
    });
    expect([pem.status, codeOf(pem)]).toEqual([401, 'CERTIFICATE_INVALID']);
    const junk = await signedXs2a(sb, tpp, 'GET', '/v1/consents/x/status', {
      tamper: {
        headers: { 'tpp-signature-certificate': Buffer.from('not a certificate').toString('base64') },
      },
    });
    expect([junk.status, codeOf(junk)]).toEqual([401, 'CERTIFICATE_INVALID']);
    const iso = await signedXs2a(sb, tpp, 'GET', '/v1/consents/x/status', { date: '2026-12-08T01:46:48Z' });
    expect([iso.status, codeOf(iso)]).toEqual([400, 'FORMAT_ERROR']);
    expect(iso.body.tppMessages[0].path).toBe('Date');
    const noDate = await signedXs2a(sb, tpp, 'GET', '/v1/consents/x/status', {
      signed: ['digest', 'x-request-id'],
      tamper: { headers: { date: null } },
    });
    expect([noDate.status, codeOf(noDate)]).toEqual([400, 'FORMAT_ERROR']);
  });

  it('shows the option in the control API, which needs no signature', async () => {
    const r = await control(sb, 'GET', '/');
    expect(r.status).toBe(200);
    expect(r.body.require_signature).toBe(true);
  });
});

describe('AccessBank sandbox without requireSignature', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startSandbox();
  });
  afterAll(() => sb.close());

  it('serves unsigned requests, and signed ones alike', async () => {
    expect((await createConsent(sb)).status).toBe(201);
    const signed = await signedXs2a(sb, tpp, 'POST', '/v1/consents', {
      json: consentBody(),
      headers: consentHeaders(),
      tamper: { body: JSON.stringify(consentBody()) + ' ' },
    });
    expect(signed.status).toBe(201);
    expect((await control(sb, 'GET', '/')).body.require_signature).toBe(false);
  });
});
