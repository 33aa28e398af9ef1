import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { X509Certificate, createHash, createVerify } from 'node:crypto';
import { cleanEnv } from 'envalid';
import fc from 'fast-check';
import { makeSigningCertificates, type TestSigningCertificates } from '#testing/certificates.js';
import { ProtocolViolation } from '../connector-errors.js';
import type { BankSession } from '../connector.js';
import { accessBank } from './accessbank.provider.js';
import { createBerlinGroupConnector } from './berlin-group.connector.js';
import { RequestSigner, SigningConfigError, signingString } from './bg-signing.js';

/**
 * The Berlin Group request signature (Digest, Signature, TPP-Signature-Certificate, Date), checked
 * with an independent verifier written here from the guidelines: node:crypto's createVerify over
 * the cavage signing string, the certificate's own serial and issuer. Keys and certificates are
 * made with the openssl CLI.
 */
let certs: TestSigningCertificates;
let signer: RequestSigner;
/** The Berlin Group bank these tests' connectors talk to (its fetch is the test's). */
const BANK = {
  provider: 'accessbank',
  baseUrl: 'https://bank.example',
  timeZone: 'Asia/Dushanbe',
  historyDays: 730,
  frequencyPerDay: 4,
  consentDays: 180,
  psuIpFallback: '0.0.0.0',
} as const;

const NOW = new Date('2026-12-08T01:46:48Z');

beforeAll(() => {
  certs = makeSigningCertificates();
  signer = RequestSigner.fromPem({ keyPem: certs.keyPem, certificatePem: certs.certPem });
}, 30_000);
afterAll(() => certs?.remove());

/** `Signature`'s parameters. */
function params(header: string): Record<string, string> {
  return Object.fromEntries([...header.matchAll(/([A-Za-z]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

/** Verifies headers and body bytes as a bank would; the reason it fails, or null. */
function verify(headers: Record<string, string>, body: Buffer): string | null {
  const cert = new X509Certificate(Buffer.from(headers['tpp-signature-certificate']!, 'base64'));
  const digest = `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
  if (headers.digest !== digest) return 'digest';
  const p = params(headers.signature!);
  if (p.algorithm !== 'rsa-sha256') return 'algorithm';
  if (!p.keyId!.startsWith(`SN=${cert.serialNumber},CA=`)) return 'keyId';
  const names = p.headers!.split(' ');
  const text = names.map((n) => `${n}: ${headers[n]!.trim()}`).join('\n');
  const ok = createVerify('RSA-SHA256').update(text).verify(cert.publicKey, p.signature!, 'base64');
  return ok ? null : 'signature';
}

describe('RequestSigner', () => {
  it('adds Date (RFC 7231), Digest, Signature and TPP-Signature-Certificate in the standard forms', () => {
    const h = signer.sign(
      { 'x-request-id': '99391c7e-ad88-49ec-a2ad-99ddcb1f7721', accept: 'application/json' },
      undefined,
      NOW,
    );
    expect(h.date).toBe('Tue, 08 Dec 2026 01:46:48 GMT');
    expect(h.accept).toBe('application/json');
    // The digest of the empty string when there is no body.
    expect(h.digest).toBe('SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
    expect(h.signature).toMatch(
      /^keyId="SN=9FA1,CA=CN=Test%20QTSP%20CA%201,O=Test%20QTSP%2C%20Inc\.,C=TJ",algorithm="rsa-sha256",headers="digest x-request-id date",signature="[A-Za-z0-9+/]+={0,2}"$/,
    );
    // The DER certificate in base64, without the PEM armour.
    const der = certs.certPem.replace(/-----[A-Z ]+-----|\s/g, '');
    expect(h['tpp-signature-certificate']).toBe(der);
    expect(verify(h, Buffer.alloc(0))).toBeNull();
  });

  it('digests the body bytes as sent (UTF-8) and keeps a Date already set', () => {
    const h = signer.sign({ 'x-request-id': 'r-1', date: 'Mon, 07 Dec 2026 10:00:00 GMT' }, 'hello', NOW);
    expect(h.digest).toBe('SHA-256=LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=');
    expect(h.date).toBe('Mon, 07 Dec 2026 10:00:00 GMT');
    const body = '{"name":"Зарина Ахмедова","amount":"-12.50"}';
    const u = signer.sign({ 'x-request-id': 'r-2' }, body, NOW);
    expect(u.digest).toBe(
      `SHA-256=${createHash('sha256').update(Buffer.from(body, 'utf8')).digest('base64')}`,
    );
    expect(verify(u, Buffer.from(body, 'utf8'))).toBeNull();
    expect(verify(u, Buffer.from(body, 'latin1'))).toBe('digest');
  });

  it('signs psu-id, psu-corporate-id and tpp-redirect-uri when present, in the cavage signing string', () => {
    const headers = {
      'x-request-id': 'r-3',
      'psu-id': 'zarina',
      'tpp-redirect-uri': 'https://hisob.example/cb?state=a',
      'psu-ip-address': '203.0.113.7',
    };
    const h = signer.sign(headers, '{}', NOW);
    const p = params(h.signature!);
    expect(p.headers).toBe('digest x-request-id date psu-id tpp-redirect-uri');
    expect(signingString(p.headers!.split(' '), h)).toBe(
      [
        `digest: ${h.digest}`,
        'x-request-id: r-3',
        'date: Tue, 08 Dec 2026 01:46:48 GMT',
        'psu-id: zarina',
        'tpp-redirect-uri: https://hisob.example/cb?state=a',
      ].join('\n'),
    );
    expect(verify(h, Buffer.from('{}'))).toBeNull();
    // An unsigned header may change; a signed one may not.
    expect(verify({ ...h, 'psu-ip-address': '198.51.100.1' }, Buffer.from('{}'))).toBeNull();
    expect(verify({ ...h, 'psu-id': 'bakhtiyor' }, Buffer.from('{}'))).toBe('signature');
  });

  it('names the certificate by its serial and issuer', () => {
    const cert = new X509Certificate(certs.certPem);
    expect(signer.keyId).toBe('SN=9FA1,CA=CN=Test%20QTSP%20CA%201,O=Test%20QTSP%2C%20Inc.,C=TJ');
    expect(cert.serialNumber).toBe('9FA1');
  });

  it('verifies for any body and header values; any one-byte change of the body or a signed header breaks it', () => {
    const visible = fc
      .array(fc.integer({ min: 0x21, max: 0x7e }), { minLength: 1, maxLength: 40 })
      .map((cs) => String.fromCharCode(...cs));
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 200 }),
        visible,
        fc.option(visible, { nil: undefined }),
        fc.option(visible, { nil: undefined }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (body, requestId, psuId, redirect, at, flip) => {
          const headers: Record<string, string> = { 'x-request-id': requestId };
          if (psuId !== undefined) headers['psu-id'] = psuId;
          if (redirect !== undefined) headers['tpp-redirect-uri'] = redirect;
          const h = signer.sign(headers, body, NOW);
          const bytes = Buffer.from(body, 'utf8');
          expect(verify(h, bytes)).toBeNull();
          if (bytes.length > 0) {
            const changed = Buffer.from(bytes);
            changed[at % changed.length] = changed[at % changed.length]! ^ flip;
            expect(verify(h, changed)).toBe('digest');
          }
          const signed = params(h.signature!).headers!.split(' ');
          const name = signed[at % signed.length]!;
          const value = h[name]!;
          const i = at % value.length;
          // Another visible character in its place (a space at an end would be trimmed away).
          const c = String.fromCharCode(0x21 + ((value.charCodeAt(i) - 0x21 + (flip % 93) + 1) % 94));
          const tampered = { ...h, [name]: value.slice(0, i) + c + value.slice(i + 1) };
          expect(verify(tampered, bytes)).not.toBeNull();
        },
      ),
      { numRuns: 150 },
    );
  });

  it('refuses a key that is not the certificate’s, a certificate that is not one, and never quotes the key', () => {
    expect(() =>
      RequestSigner.fromPem({ keyPem: certs.strangerKeyPem, certificatePem: certs.certPem }),
    ).toThrow(/does not match the public key/);
    expect(() => RequestSigner.fromPem({ keyPem: certs.keyPem, certificatePem: certs.keyPem })).toThrow(
      SigningConfigError,
    );
    // The certificate given as the key: not a private key.
    expect(() => RequestSigner.fromPem({ keyPem: certs.certPem, certificatePem: certs.certPem })).toThrow(
      /not an unencrypted PEM private key/,
    );
  });
});

describe('ACCESSBANK_SIGNING_KEY and ACCESSBANK_SIGNING_CERT', () => {
  it('make the connector sign every request over the exact body it sends', async () => {
    const seen: Array<{ headers: Record<string, string>; body: string | undefined }> = [];
    const fetchImpl = (async (_input: URL | string, init?: RequestInit) => {
      seen.push({
        headers: { ...(init?.headers as Record<string, string>) },
        body: init?.body as string | undefined,
      });
      return new Response(
        JSON.stringify({
          consentId: 'c-1',
          consentStatus: 'received',
          _links: { scaRedirect: { href: '/sca/1' } },
        }),
        { status: 201, headers: { 'content-type': 'application/json' } },
      );
    }) as typeof fetch;
    const config = cleanEnv(
      { ACCESSBANK_SIGNING_KEY: certs.keyPath, ACCESSBANK_SIGNING_CERT: certs.certPem },
      accessBank.config,
    );
    const real = accessBank.create(config, { timeoutMs: 2000 });
    expect(real.provider).toBe('accessbank');
    const connector = createBerlinGroupConnector({ ...BANK, signer }, { fetch: fetchImpl, now: () => NOW });
    await connector.startAuthorisation({
      consentId: 'x',
      permissions: ['accounts', 'balances', 'transactions'],
      redirectUri: 'https://hisob.example/v1/consents/callback',
      validUntil: null,
      msisdn: null,
      psuIpAddress: '203.0.113.7',
    });
    const session: BankSession = {
      accessToken: 'c-1',
      refreshToken: null,
      expiresAt: null,
      scope: null,
      state: null,
    };
    await connector.refresh(session).catch(() => undefined);
    expect(seen).toHaveLength(2);
    const [post, get] = seen;
    expect(post!.body).toBeDefined();
    expect(verify(post!.headers, Buffer.from(post!.body!, 'utf8'))).toBeNull();
    expect(params(post!.headers.signature!).headers).toBe('digest x-request-id date tpp-redirect-uri');
    expect(get!.body).toBeUndefined();
    expect(get!.headers.digest).toBe('SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
    expect(verify(get!.headers, Buffer.alloc(0))).toBeNull();
    expect(get!.headers.date).toBe('Tue, 08 Dec 2026 01:46:48 GMT');
  });

  it('turn a bank’s SIGNATURE_MISSING into a ProtocolViolation that names the setting', async () => {
    const fetchImpl = (async () =>
      new Response(
        JSON.stringify({ tppMessages: [{ category: 'ERROR', code: 'SIGNATURE_MISSING', text: 'sign it' }] }),
        { status: 401, headers: { 'content-type': 'application/json' } },
      )) as typeof fetch;
    const connector = createBerlinGroupConnector(BANK, { fetch: fetchImpl, now: () => NOW });
    const session: BankSession = {
      accessToken: 'c-1',
      refreshToken: null,
      expiresAt: null,
      scope: null,
      state: null,
    };
    const err = await connector
      .listAccounts(session, { psuIpAddress: '203.0.113.7' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolViolation);
    expect((err as ProtocolViolation).providerCode).toBe('SIGNATURE_MISSING');
    expect((err as Error).message).toMatch(/ACCESSBANK_SIGNING_KEY/);
    // A revoke the bank refused for the signature did not delete the consent: not swallowed.
    await expect(connector.revoke(session)).rejects.toBeInstanceOf(ProtocolViolation);
  });
});
