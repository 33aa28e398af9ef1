import { ProtocolViolation, RateLimited, ReauthRequired, Transient } from '../connector-errors.js';
import type { HttpResponse } from '../http.js';
import { fixtureText } from './fixtures/fixtures.js';
import { mapObpError, obpCodes, retryAfterSeconds } from './obp-errors.js';

function reply(status: number, text: string, headers: Record<string, string> = {}): HttpResponse {
  return { status, text, headers: new Headers(headers), target: 'GET /obp/v5.1.0/my/accounts' };
}

describe('mapObpError', () => {
  it('maps 401 OBP-20001 to ReauthRequired(token_invalid)', () => {
    const sut = mapObpError(reply(401, fixtureText('error-401-not-logged-in.json')));
    expect(sut).toBeInstanceOf(ReauthRequired);
    expect(sut).toMatchObject({
      kind: 'reauth_required',
      reason: 'token_invalid',
      providerCode: 'OBP-20001',
      status: 401,
    });
  });

  it('reads every code of a chained message: OBP-20001 <- OBP-35003 is an expired consent', () => {
    const sut = mapObpError(reply(401, fixtureText('error-401-consent-expired.json')));
    expect(sut).toMatchObject({
      kind: 'reauth_required',
      reason: 'consent_expired',
      providerCode: 'OBP-35003',
    });
  });

  it('maps an invalid or expired OAuth2 token (OBP-20206) to TokenExpired: refresh, not re-authorise', () => {
    expect(mapObpError(reply(401, fixtureText('error-401-oauth2-jose.json')))).toMatchObject({
      kind: 'token_expired',
      providerCode: 'OBP-20206',
    });
  });

  it('maps OBP-20003 (expired token) even under a 400 status', () => {
    const sut = mapObpError(
      reply(400, '{"code":400,"message":"OBP-20003: Invalid or expired DirectLogin token."}'),
    );
    expect(sut).toMatchObject({ kind: 'token_expired', providerCode: 'OBP-20003' });
  });

  it.each([
    [400, 'OBP-40018: Transaction Requests are disabled in this API instance.', 'unsupported', 'OBP-40018'],
    [404, 'OBP-10404: 404 Not Found. Could not find the resource.', 'unsupported', 'OBP-10404'],
    [400, 'OBP-30059: Connector method failed. <- OBP-10010: Not Implemented', 'unsupported', 'OBP-10010'],
    [400, 'OBP-20022: View does not permit the access.', 'not_permitted', 'OBP-20022'],
    [
      403,
      'OBP-30022: The current view does not have the permission: can_get_counterparty',
      'not_permitted',
      'OBP-30022',
    ],
    [400, 'OBP-30065: Cannot find the account access.', 'not_permitted', 'OBP-30065'],
  ])('maps %i %s to coverage, never re-authorisation', (status, message, kind, providerCode) => {
    expect(mapObpError(reply(status, JSON.stringify({ code: status, message })))).toMatchObject({
      kind,
      providerCode,
    });
  });

  it('maps a 404 without an OBP code (a route a proxy does not serve) to Unsupported', () => {
    expect(mapObpError(reply(404, '<html>Not Found</html>'))).toMatchObject({ kind: 'unsupported' });
  });

  it('maps a 401 without an OBP body to ReauthRequired', () => {
    expect(mapObpError(reply(401, '<html>Unauthorized</html>'))).toBeInstanceOf(ReauthRequired);
  });

  it('maps a view without access (403 OBP-20017) to NotPermitted, never re-authorisation', () => {
    expect(mapObpError(reply(403, fixtureText('error-403-view.json')))).toMatchObject({
      kind: 'not_permitted',
      providerCode: 'OBP-20017',
    });
  });

  it('maps 429 OBP-10018 to RateLimited with X-Rate-Limit-Reset seconds', () => {
    const sut = mapObpError(
      reply(429, fixtureText('error-429-rate-limit.json'), {
        'x-rate-limit-limit': '60',
        'x-rate-limit-remaining': '0',
        'x-rate-limit-reset': '37',
      }),
    );
    expect(sut).toBeInstanceOf(RateLimited);
    expect(sut).toMatchObject({ kind: 'rate_limited', retryAfterS: 37, providerCode: 'OBP-10018' });
  });

  it('prefers Retry-After when present, and defaults to 60 s with neither header', () => {
    const body = fixtureText('error-429-rate-limit.json');
    expect(mapObpError(reply(429, body, { 'retry-after': '5', 'x-rate-limit-reset': '37' }))).toMatchObject({
      retryAfterS: 5,
    });
    expect(mapObpError(reply(429, body))).toMatchObject({ retryAfterS: 60 });
  });

  it('maps OBP-10018 under another status to RateLimited too', () => {
    expect(mapObpError(reply(400, fixtureText('error-429-rate-limit.json')))).toBeInstanceOf(RateLimited);
  });

  it('maps core-banking failures reported as 400 (OBP-50005) to Transient', () => {
    const sut = mapObpError(reply(400, fixtureText('error-400-core-banking.json')));
    expect(sut).toBeInstanceOf(Transient);
    expect(sut.providerCode).toBe('OBP-50005');
  });

  it('maps 408 to Transient', () => {
    expect(mapObpError(reply(408, '{"code":408,"message":"OBP-01000: Request Timeout."}'))).toBeInstanceOf(
      Transient,
    );
  });

  it('maps an unknown refusal (bad date format) to ProtocolViolation with the outer code and an excerpt', () => {
    const sut = mapObpError(reply(400, fixtureText('error-400-bad-date.json')));
    expect(sut).toBeInstanceOf(ProtocolViolation);
    expect(sut).toMatchObject({ providerCode: 'OBP-10016' });
    expect(sut.excerpt).toContain('OBP-10026');
  });

  it('never puts the bank text in the message, only in the redacted excerpt', () => {
    const sut = mapObpError(
      reply(400, '{"code":400,"message":"OBP-30059: Card not found 4444333322221111"}'),
    );
    expect(sut.message).not.toContain('4444333322221111');
    expect(sut.excerpt).not.toContain('4444333322221111');
  });
});

describe('retryAfterSeconds', () => {
  it('reads delta-seconds, an HTTP-date and OBP seconds-left', () => {
    const now = new Date('2026-03-14T10:00:00Z');
    expect(retryAfterSeconds(new Headers({ 'retry-after': '120' }), now)).toBe(120);
    expect(retryAfterSeconds(new Headers({ 'retry-after': 'Sat, 14 Mar 2026 10:00:30 GMT' }), now)).toBe(30);
    expect(retryAfterSeconds(new Headers({ 'x-rate-limit-reset': '9' }), now)).toBe(9);
    expect(retryAfterSeconds(new Headers({ 'retry-after': 'soon' }), now)).toBeNull();
  });
});

describe('obpCodes', () => {
  it('lists the codes of a chain, outer first', () => {
    expect(obpCodes('OBP-20001: a <- OBP-35003: b')).toEqual(['OBP-20001', 'OBP-35003']);
    expect(obpCodes('no code')).toEqual([]);
  });
});
