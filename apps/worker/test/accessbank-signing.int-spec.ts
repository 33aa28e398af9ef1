import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cleanEnv } from 'envalid';
import { accessBank } from '#connectors/accessbank/accessbank.provider.js';
import { ProtocolViolation } from '#connectors/connector-errors.js';
import type { BankSession, Connector } from '#connectors/connector.js';
import { makeSigningCertificates, type TestSigningCertificates } from '#testing/certificates.js';
import { PSU_IP, REQUEST, accessBankAtSandbox, type AccessBankAtSandbox } from './accessbank-at-sandbox.js';

/**
 * A bank that demands Berlin Group request signatures (the sandbox with `requireSignature`):
 * the AccessBank connector configured with `ACCESSBANK_SIGNING_KEY` and `ACCESSBANK_SIGNING_CERT`
 * creates the consent and reads everything; without them every request is refused, and that is a
 * ProtocolViolation naming the settings, never a consent that needs the person again.
 */
let certs: TestSigningCertificates;
let signed: AccessBankAtSandbox;
/** The same deployment's connector without the signing settings, against the same bank. */
let unsigned: Connector;
let session: BankSession;

beforeAll(async () => {
  certs = makeSigningCertificates();
  signed = await accessBankAtSandbox({
    bank: { requireSignature: true, pageSize: 40 },
    env: { ACCESSBANK_SIGNING_KEY: certs.keyPem, ACCESSBANK_SIGNING_CERT: certs.certPath },
  });
  unsigned = accessBank.create(cleanEnv({ ACCESSBANK_URL: signed.bank.url }, accessBank.config), {
    timeoutMs: 3000,
  });
  session = await signed.session();
}, 60_000);
afterAll(async () => {
  await signed?.close();
  certs?.remove();
});

describe('AccessBank connector against a bank that demands signed requests', () => {
  it('signed: creates the consent and reads accounts, balances and every transaction', async () => {
    expect(session.accessToken).toBeTruthy();
    const accounts = (await signed.connector.listAccounts(session)).items;
    expect(accounts).toHaveLength(3);
    let mostPages = 0;
    for (const a of accounts) {
      const balances = await signed.connector.getBalances!(session, a.providerAccountId);
      expect(balances.length).toBeGreaterThan(0);
      const summary = await signed.control('GET', `/accounts/${a.providerAccountId}/summary`);
      let count = 0;
      let pages = 0;
      for await (const page of signed.connector.transactions!(session, a.providerAccountId, null, {
        psuIpAddress: PSU_IP,
      })) {
        count += page.transactions.length;
        pages++;
      }
      expect(count).toBe(summary.booked_count + summary.pending_count);
      mostPages = Math.max(mostPages, pages);
    }
    // Signed page links too: the report of the busiest account spans pages of 40.
    expect(mostPages).toBeGreaterThan(1);
  });

  it('unsigned: consent creation is refused as a ProtocolViolation naming the signing settings', async () => {
    const err = await unsigned.startAuthorisation(REQUEST).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolViolation);
    expect((err as ProtocolViolation).providerCode).toBe('SIGNATURE_MISSING');
    expect((err as ProtocolViolation).status).toBe(401);
    expect((err as Error).message).toMatch(/ACCESSBANK_SIGNING_KEY/);
  });

  it('unsigned: a read on a valid consent is refused the same way, not taken for a lost consent', async () => {
    const err = await unsigned.listAccounts(session).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolViolation);
    expect((err as ProtocolViolation).providerCode).toBe('SIGNATURE_MISSING');
    await expect(unsigned.refresh(session)).rejects.toBeInstanceOf(ProtocolViolation);
    await expect(unsigned.revoke(session)).rejects.toBeInstanceOf(ProtocolViolation);
    // The consent is untouched: the signed connector still reads with it.
    expect((await signed.connector.refresh(session)).accessToken).toBe(session.accessToken);
  });
});
