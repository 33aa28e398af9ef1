import type { RunningSandbox } from '../src/main.js';
import {
  BAKHTIYOR,
  CookieJar,
  NOK_REDIRECT,
  PSU_IP,
  REDIRECT,
  ZARINA,
  browser,
  completeSca,
  consentBody,
  consentHeaders,
  control,
  createConsent,
  formAction,
  startSandbox,
  users,
  validConsent,
  validated,
  xs2a,
} from './helpers.js';

describe('AccessBank sandbox: consents and redirect SCA (NextGenPSD2 1.3.11)', () => {
  let sb: RunningSandbox;
  let zarinaAccounts: Array<{ account_id: string; bban: string; currency: string }>;

  beforeAll(async () => {
    sb = await startSandbox();
    zarinaAccounts = (await users(sb)).find((u) => u.psu_id === 'zarina')!.accounts;
  });
  afterAll(() => sb.close());

  describe('POST /v1/consents', () => {
    it('creates a received consent with the redirect links, Location and ASPSP-SCA-Approach', async () => {
      const r = await createConsent(sb);
      expect(r.status).toBe(201);
      const id = r.body.consentId as string;
      expect(r.body.consentStatus).toBe('received');
      expect(r.headers.get('aspsp-sca-approach')).toBe('REDIRECT');
      expect(r.headers.get('location')).toBe(`/v1/consents/${id}`);
      const links = r.body._links;
      expect(links.scaRedirect.href).toMatch(new RegExp(`^${sb.publicUrl}/sca/[0-9a-f-]{36}$`));
      expect(links.self.href).toBe(`/v1/consents/${id}`);
      expect(links.status.href).toBe(`/v1/consents/${id}/status`);
      expect(links.scaStatus.href).toMatch(new RegExp(`^/v1/consents/${id}/authorisations/[0-9a-f-]{36}$`));

      const status = await xs2a(sb, 'GET', links.status.href);
      expect(status.body).toEqual({ consentStatus: 'received' });
      const sca = await xs2a(sb, 'GET', links.scaStatus.href);
      expect(sca.body).toEqual({ scaStatus: 'received' });
      const info = await xs2a(sb, 'GET', links.self.href);
      expect(info.body).toEqual({
        access: { allPsd2: 'allAccounts' },
        recurringIndicator: true,
        validUntil: '2026-12-27', // shortened to 180 days
        frequencyPerDay: 4,
        lastActionDate: '2026-06-30',
        consentStatus: 'received',
      });
    });

    it.each<[string, unknown, string]>([
      ['a body that is not an object', [1], 'FORMAT_ERROR'],
      ['no access', consentBody({ access: undefined }), 'FORMAT_ERROR'],
      ['no recurringIndicator', consentBody({ recurringIndicator: undefined }), 'FORMAT_ERROR'],
      ['no validUntil', consentBody({ validUntil: undefined }), 'FORMAT_ERROR'],
      ['no frequencyPerDay', consentBody({ frequencyPerDay: undefined }), 'FORMAT_ERROR'],
      ['no combinedServiceIndicator', consentBody({ combinedServiceIndicator: undefined }), 'FORMAT_ERROR'],
      ['a string recurringIndicator', consentBody({ recurringIndicator: 'true' }), 'FORMAT_ERROR'],
      ['a bad validUntil', consentBody({ validUntil: '2026-02-30' }), 'FORMAT_ERROR'],
      ['a validUntil in the past', consentBody({ validUntil: '2026-06-29' }), 'PERIOD_INVALID'],
      ['frequencyPerDay 0', consentBody({ frequencyPerDay: 0 }), 'FORMAT_ERROR'],
      ['frequencyPerDay 5', consentBody({ frequencyPerDay: 5 }), 'FORMAT_ERROR'],
      ['frequencyPerDay 1.5', consentBody({ frequencyPerDay: 1.5 }), 'FORMAT_ERROR'],
      [
        'a one-off consent with frequency 2',
        consentBody({ recurringIndicator: false, frequencyPerDay: 2 }),
        'FORMAT_ERROR',
      ],
      ['a combined service', consentBody({ combinedServiceIndicator: true }), 'SESSIONS_NOT_SUPPORTED'],
      ['an empty access', consentBody({ access: {} }), 'FORMAT_ERROR'],
      ['an unknown access element', consentBody({ access: { transaction: [] } }), 'FORMAT_ERROR'],
      ['a bad allPsd2 value', consentBody({ access: { allPsd2: 'all' } }), 'FORMAT_ERROR'],
      [
        'allPsd2 with accounts',
        consentBody({ access: { allPsd2: 'allAccounts', accounts: [] } }),
        'FORMAT_ERROR',
      ],
      [
        'an empty list beside a filled one',
        consentBody({ access: { accounts: [{ bban: '20206972300309910570' }], balances: [] } }),
        'FORMAT_ERROR',
      ],
      [
        'a reference without identifier',
        consentBody({ access: { accounts: [{ currency: 'TJS' }] } }),
        'FORMAT_ERROR',
      ],
      [
        'a reference with two identifiers',
        consentBody({ access: { accounts: [{ bban: '1', msisdn: '+992900000000' }] } }),
        'FORMAT_ERROR',
      ],
      [
        'a bad currency',
        consentBody({ access: { accounts: [{ bban: '1', currency: 'tjs' }] } }),
        'FORMAT_ERROR',
      ],
      [
        'an IBAN (Tajik accounts have none)',
        consentBody({ access: { accounts: [{ iban: 'DE89370400440532013000' }] } }),
        'PARAMETER_NOT_SUPPORTED',
      ],
      [
        'additionalInformation',
        consentBody({ access: { accounts: [], additionalInformation: { ownerName: [] } } }),
        'PARAMETER_NOT_SUPPORTED',
      ],
    ])('rejects %s with 400', async (_what, body, code) => {
      const r = await createConsent(sb, body);
      expect(r.status).toBe(400);
      expect(r.body.tppMessages[0]).toMatchObject({ category: 'ERROR', code });
    });

    it('rejects a body that is not JSON', async () => {
      const r = await xs2a(sb, 'POST', '/v1/consents', {
        body: '{"access":',
        headers: { ...consentHeaders(), 'content-type': 'application/json' },
      });
      expect(r.status).toBe(400);
      expect(r.body.tppMessages[0].code).toBe('FORMAT_ERROR');
    });

    it.each<[string, Record<string, string>, string | null | undefined]>([
      ['no PSU-IP-Address', { 'tpp-redirect-uri': REDIRECT }, undefined],
      ['a bad PSU-IP-Address', { 'psu-ip-address': 'localhost', 'tpp-redirect-uri': REDIRECT }, undefined],
      ['no TPP-Redirect-URI', { 'psu-ip-address': PSU_IP }, undefined],
      ['a relative TPP-Redirect-URI', consentHeaders({ 'tpp-redirect-uri': '/callback' }), undefined],
      ['a bad TPP-Nok-Redirect-URI', consentHeaders({ 'tpp-nok-redirect-uri': 'nope' }), undefined],
      ['no X-Request-ID', consentHeaders(), null],
      ['an X-Request-ID that is not a UUID', consentHeaders(), 'req-1'],
    ])('rejects %s with 400 FORMAT_ERROR', async (_what, headers, requestId) => {
      const r = await xs2a(sb, 'POST', '/v1/consents', { json: consentBody(), headers, requestId });
      expect(r.status).toBe(400);
      expect(r.body.tppMessages[0].code).toBe('FORMAT_ERROR');
    });

    it('refuses a reused X-Request-ID', async () => {
      const requestId = '5f3c2d1e-0a9b-4c8d-9e7f-6a5b4c3d2e1f';
      const first = await xs2a(sb, 'POST', '/v1/consents', {
        json: consentBody(),
        headers: consentHeaders(),
        requestId,
      });
      expect(first.status).toBe(201);
      const again = await xs2a(sb, 'POST', '/v1/consents', {
        json: consentBody(),
        headers: consentHeaders(),
        requestId,
      });
      expect(again.status).toBe(400);
      expect(again.body.tppMessages[0]).toMatchObject({ code: 'FORMAT_ERROR', path: 'X-Request-ID' });
    });

    it('starts the authorisation explicitly when the TPP prefers it', async () => {
      const r = await createConsent(
        sb,
        consentBody(),
        consentHeaders({ 'tpp-explicit-authorisation-preferred': 'true' }),
      );
      expect(r.status).toBe(201);
      expect(r.body._links.scaRedirect).toBeUndefined();
      const start = r.body._links.startAuthorisation.href as string;
      expect(start).toBe(`/v1/consents/${r.body.consentId}/authorisations`);
      expect((await xs2a(sb, 'GET', start)).body).toEqual({ authorisationIds: [] });
      const auth = await xs2a(sb, 'POST', start, { json: {} });
      expect(auth.status).toBe(201);
      expect(auth.headers.get('aspsp-sca-approach')).toBe('REDIRECT');
      expect(auth.body.scaStatus).toBe('received');
      expect((await xs2a(sb, 'GET', start)).body).toEqual({ authorisationIds: [auth.body.authorisationId] });
      expect(await completeSca(auth.body._links.scaRedirect.href)).toBe(REDIRECT);
      expect((await xs2a(sb, 'GET', auth.body._links.scaStatus.href)).body).toEqual({
        scaStatus: 'finalised',
      });
      const again = await xs2a(sb, 'POST', start, { json: {} });
      expect(again.status).toBe(409);
      expect(again.body.tppMessages[0].code).toBe('STATUS_INVALID');
    });
  });

  describe('the SCA pages', () => {
    it('allow: redirects to TPP-Redirect-URI unchanged and the consent becomes valid', async () => {
      const r = await createConsent(
        sb,
        consentBody(),
        consentHeaders({ 'tpp-nok-redirect-uri': NOK_REDIRECT }),
      );
      const location = await completeSca(r.body._links.scaRedirect.href);
      expect(location).toBe(REDIRECT);
      expect((await xs2a(sb, 'GET', r.body._links.status.href)).body).toEqual({ consentStatus: 'valid' });
      expect((await xs2a(sb, 'GET', r.body._links.scaStatus.href)).body).toEqual({ scaStatus: 'finalised' });
      const info = await xs2a(sb, 'GET', r.body._links.self.href);
      expect(info.body.consentStatus).toBe('valid');
    });

    it('deny: redirects to TPP-Nok-Redirect-URI when given, else to TPP-Redirect-URI; the consent is rejected', async () => {
      const withNok = await createConsent(
        sb,
        consentBody(),
        consentHeaders({ 'tpp-nok-redirect-uri': NOK_REDIRECT }),
      );
      expect(await completeSca(withNok.body._links.scaRedirect.href, { decision: 'deny' })).toBe(
        NOK_REDIRECT,
      );
      expect((await xs2a(sb, 'GET', withNok.body._links.status.href)).body).toEqual({
        consentStatus: 'rejected',
      });
      expect((await xs2a(sb, 'GET', withNok.body._links.scaStatus.href)).body).toEqual({
        scaStatus: 'failed',
      });

      const plain = await createConsent(sb);
      expect(await completeSca(plain.body._links.scaRedirect.href, { decision: 'deny' })).toBe(REDIRECT);
      expect((await xs2a(sb, 'GET', plain.body._links.status.href)).body).toEqual({
        consentStatus: 'rejected',
      });
    });

    it('counts wrong passwords and wrong codes, and fails the authorisation at the limit', async () => {
      const r = await createConsent(
        sb,
        consentBody(),
        consentHeaders({ 'tpp-nok-redirect-uri': NOK_REDIRECT }),
      );
      const href = r.body._links.scaRedirect.href as string;
      const jar = new CookieJar();
      const login = await (await browser(href, { jar })).text();
      const action = new URL(formAction(login, 'psuId'), href);
      for (let i = 1; i <= 4; i++) {
        const res = await browser(action, { jar, form: { psuId: 'zarina', password: 'wrong' } });
        expect(res.status).toBe(303);
        expect(await (await browser(href, { jar })).text()).toContain(`${5 - i} attempts left`);
      }
      await browser(action, { jar, form: { psuId: 'zarina', password: 'wrong' } });
      const final = await (await browser(href, { jar })).text();
      expect(final).toContain('Too many wrong passwords');
      expect(final).toContain(`href="${NOK_REDIRECT}"`);
      expect((await xs2a(sb, 'GET', r.body._links.status.href)).body).toEqual({ consentStatus: 'rejected' });
      expect((await xs2a(sb, 'GET', r.body._links.scaStatus.href)).body).toEqual({ scaStatus: 'failed' });

      // One wrong code leaves the flow on the code page; three end it.
      const jar2 = new CookieJar();
      const href2 = (await createConsent(sb)).body._links.scaRedirect.href as string;
      const page = await (await browser(href2, { jar: jar2 })).text();
      await browser(new URL(formAction(page, 'psuId'), href2), { jar: jar2, form: { ...ZARINA } });
      const otpPage = await (await browser(href2, { jar: jar2 })).text();
      const otpAction = new URL(formAction(otpPage, 'otp'), href2);
      await browser(otpAction, { jar: jar2, form: { otp: '111111' } });
      expect(await (await browser(href2, { jar: jar2 })).text()).toContain('2 attempts left');
      await browser(otpAction, { jar: jar2, form: { otp: '111111' } });
      await browser(otpAction, { jar: jar2, form: { otp: '111111' } });
      expect(await (await browser(href2, { jar: jar2 })).text()).toContain('Too many wrong codes');
    });

    it('ignores a post without the session cookie of the authorisation', async () => {
      const r = await createConsent(sb);
      const href = r.body._links.scaRedirect.href as string;
      const jar = new CookieJar();
      const page = await (await browser(href, { jar })).text();
      const stranger = await browser(new URL(formAction(page, 'psuId'), href), {
        jar: new CookieJar(),
        form: { ...ZARINA },
      });
      expect(stranger.status).toBe(303);
      expect((await xs2a(sb, 'GET', r.body._links.scaStatus.href)).body).toEqual({ scaStatus: 'received' });
      const other = await browser(href, { jar: new CookieJar() });
      expect(other.status).toBe(400);
    });

    it('bank-offered consent: the PSU picks the accounts, and GET consent shows them', async () => {
      const body = consentBody({ access: { accounts: [], balances: [], transactions: [] } });
      const id = await validConsent(sb, body, { accounts: [zarinaAccounts[1]!.account_id] });
      const info = await xs2a(sb, 'GET', `/v1/consents/${id}`);
      const ref = { bban: zarinaAccounts[1]!.bban, currency: zarinaAccounts[1]!.currency };
      expect(info.body.access).toEqual({ accounts: [ref], balances: [ref], transactions: [ref] });
      const list = await xs2a(sb, 'GET', '/v1/accounts', { consentId: id, psuIp: PSU_IP });
      expect(list.body.accounts.map((a: { resourceId: string }) => a.resourceId)).toEqual([
        zarinaAccounts[1]!.account_id,
      ]);
    });

    it('dedicated consent naming an account that is not the PSU’s: rejected at SCA', async () => {
      const body = consentBody({
        access: { accounts: [{ bban: zarinaAccounts[0]!.bban, currency: 'TJS' }] },
      });
      const r = await createConsent(sb, body, consentHeaders({ 'tpp-nok-redirect-uri': NOK_REDIRECT }));
      const location = await completeSca(r.body._links.scaRedirect.href, BAKHTIYOR);
      expect(location).toBe(NOK_REDIRECT);
      expect((await xs2a(sb, 'GET', r.body._links.status.href)).body).toEqual({ consentStatus: 'rejected' });
    });

    it('authorising a new recurring consent expires the PSU’s older recurring consent', async () => {
      const older = await validConsent(sb, consentBody(), BAKHTIYOR);
      const newer = await validConsent(sb, consentBody(), BAKHTIYOR);
      expect((await xs2a(sb, 'GET', `/v1/consents/${older}/status`)).body).toEqual({
        consentStatus: 'expired',
      });
      expect((await xs2a(sb, 'GET', `/v1/consents/${newer}/status`)).body).toEqual({
        consentStatus: 'valid',
      });
      const read = await xs2a(sb, 'GET', '/v1/accounts', { consentId: older, psuIp: PSU_IP });
      expect(read.status).toBe(401);
      expect(read.body.tppMessages[0].code).toBe('CONSENT_EXPIRED');
    });
  });

  describe('status transitions and errors on reads', () => {
    it('DELETE: 204, terminatedByTpp, reads 401 CONSENT_INVALID', async () => {
      const id = await validConsent(sb);
      const del = await xs2a(sb, 'DELETE', `/v1/consents/${id}`);
      expect(del.status).toBe(204);
      expect(del.text).toBe('');
      expect((await xs2a(sb, 'GET', `/v1/consents/${id}/status`)).body).toEqual({
        consentStatus: 'terminatedByTpp',
      });
      const read = await xs2a(sb, 'GET', '/v1/accounts', { consentId: id, psuIp: PSU_IP });
      expect(read.status).toBe(401);
      expect(read.body.tppMessages[0].code).toBe('CONSENT_INVALID');
      expect((await xs2a(sb, 'DELETE', `/v1/consents/${id}`)).status).toBe(204);
    });

    it('a received consent cannot read (401 CONSENT_INVALID); a rejected one neither', async () => {
      const r = await createConsent(sb);
      const read = await xs2a(sb, 'GET', '/v1/accounts', { consentId: r.body.consentId, psuIp: PSU_IP });
      expect(read.status).toBe(401);
      expect(read.body.tppMessages[0].code).toBe('CONSENT_INVALID');
    });

    it('revokedByPsu (online banking) reads 401 CONSENT_INVALID', async () => {
      const id = await validConsent(sb, consentBody(), { psuId: 'nigora', password: 'Nigora-2024' });
      expect((await control(sb, 'POST', `/consents/${id}/revoke`)).status).toBe(200);
      expect((await xs2a(sb, 'GET', `/v1/consents/${id}/status`)).body).toEqual({
        consentStatus: 'revokedByPsu',
      });
      const read = await xs2a(sb, 'GET', '/v1/accounts', { consentId: id });
      expect(read.status).toBe(401);
      expect(read.body.tppMessages[0].code).toBe('CONSENT_INVALID');
    });

    it('unknown consent: 400 CONSENT_UNKNOWN in the header, 403 in the path; missing Consent-ID 400 FORMAT_ERROR', async () => {
      const unknown = '00000000-0000-4000-8000-000000000000';
      const h = await xs2a(sb, 'GET', '/v1/accounts', { consentId: unknown });
      expect(h.status).toBe(400);
      expect(h.body.tppMessages[0].code).toBe('CONSENT_UNKNOWN');
      for (const path of [`/v1/consents/${unknown}`, `/v1/consents/${unknown}/status`]) {
        const p = await xs2a(sb, 'GET', path);
        expect(p.status).toBe(403);
        expect(p.body.tppMessages[0].code).toBe('CONSENT_UNKNOWN');
      }
      const d = await xs2a(sb, 'DELETE', `/v1/consents/${unknown}`);
      expect(d.status).toBe(403);
      const missing = await xs2a(sb, 'GET', '/v1/accounts');
      expect(missing.status).toBe(400);
      expect(missing.body.tppMessages[0]).toMatchObject({ code: 'FORMAT_ERROR', path: 'Consent-ID' });
      const auth = await xs2a(
        sb,
        'GET',
        `/v1/consents/${(await createConsent(sb)).body.consentId}/authorisations/${unknown}`,
      );
      expect(auth.status).toBe(403);
      expect(auth.body.tppMessages[0].code).toBe('RESOURCE_UNKNOWN');
    });

    it('expires after validUntil (inclusive, bank calendar): status expired, reads 401 CONSENT_EXPIRED', async () => {
      const own = await startSandbox();
      try {
        const id = await validConsent(own, consentBody({ validUntil: '2026-07-01' }));
        await control(own, 'POST', '/advance', { days: 1 });
        expect((await xs2a(own, 'GET', `/v1/consents/${id}/status`)).body).toEqual({
          consentStatus: 'valid',
        });
        await control(own, 'POST', '/advance', { days: 1 });
        expect((await xs2a(own, 'GET', `/v1/consents/${id}/status`)).body).toEqual({
          consentStatus: 'expired',
        });
        const info = await xs2a(own, 'GET', `/v1/consents/${id}`);
        expect(info.body).toMatchObject({ consentStatus: 'expired', lastActionDate: '2026-07-02' });
        const read = await xs2a(own, 'GET', '/v1/accounts', { consentId: id, psuIp: PSU_IP });
        expect(read.status).toBe(401);
        expect(read.body.tppMessages[0].code).toBe('CONSENT_EXPIRED');
        const pending = await createConsent(own, consentBody({ validUntil: '2026-07-02' }));
        await control(own, 'POST', '/advance', { days: 1 });
        const restart = await xs2a(own, 'POST', `/v1/consents/${pending.body.consentId}/authorisations`, {
          json: {},
        });
        expect(restart.status).toBe(401);
        expect(restart.body.tppMessages[0].code).toBe('CONSENT_EXPIRED');
      } finally {
        await own.close();
      }
    });

    it('answers 405 SERVICE_INVALID to a method the resource does not offer', async () => {
      const r = await xs2a(sb, 'PUT', '/v1/consents', { json: {} });
      expect(r.status).toBe(405);
      expect(r.body.tppMessages[0].code).toBe('SERVICE_INVALID');
    });
  });

  it('validated every consent operation against the OpenAPI file', () => {
    const expected = [
      'POST /v1/consents 201',
      'POST /v1/consents 400',
      'GET /v1/consents/{consentId} 200',
      'GET /v1/consents/{consentId} 403',
      'DELETE /v1/consents/{consentId} 204',
      'GET /v1/consents/{consentId}/status 200',
      'GET /v1/consents/{consentId}/authorisations 200',
      'POST /v1/consents/{consentId}/authorisations 201',
      'POST /v1/consents/{consentId}/authorisations 409',
      'GET /v1/consents/{consentId}/authorisations/{authorisationId} 200',
      'GET /v1/consents/{consentId}/authorisations/{authorisationId} 403',
      'GET /v1/accounts 400',
      'GET /v1/accounts 401',
    ];
    expect(expected.filter((k) => !validated.get(k))).toEqual([]);
    expect(validated.size).toBeGreaterThanOrEqual(13);
  });
});
