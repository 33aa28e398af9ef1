import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { X509Certificate, createHash, createVerify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv } from 'envalid';
import { makeSigningCertificates } from '#testing/certificates.js';
import { Transient } from '../connector-errors.js';
import type { BankSession } from '../connector.js';
import { accessBank } from './accessbank.provider.js';

/**
 * A bank that demands the TPP's certificate (mutual TLS, as eIDAS QWACs are used): configured by
 * `ACCESSBANK_TLS_CERT` / `_KEY` / `_CA` (paths here), the connector presents it; without it the
 * bank refuses the handshake and the call is Transient. Certificates are made with openssl.
 */
let dir: string;
let server: Server;
let url: string;
const seenSubjects: string[] = [];
const seenRequests: Array<{ headers: Record<string, string>; body: Buffer }> = [];
const SESSION: BankSession = {
  accessToken: 'c-1',
  refreshToken: null,
  expiresAt: null,
  scope: null,
  state: null,
};

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hisob-mtls-'));
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=Test CA',
  ]);
  for (const [name, subj, ext] of [
    ['server', '/CN=bank.test', 'subjectAltName=IP:127.0.0.1'],
    ['client', '/CN=Hisob TPP', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    openssl([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      subj,
    ]);
    writeFileSync(join(dir, `${name}.ext`), `${ext}\n`);
    openssl([
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    ]);
  }
  server = createServer(
    {
      cert: readFileSync(join(dir, 'server.pem')),
      key: readFileSync(join(dir, 'server.key')),
      ca: readFileSync(join(dir, 'ca.pem')),
      requestCert: true,
      rejectUnauthorized: true,
    },
    async (req, res) => {
      const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
      seenSubjects.push(String(peer.subject?.CN));
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      await new Promise((r) => req.on('end', r));
      seenRequests.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ accounts: [{ resourceId: 'a1', currency: 'TJS', bban: '20206972300309910570' }] }),
      );
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 30_000);

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const connector = (env: Record<string, string>) =>
  accessBank.create(cleanEnv({ ACCESSBANK_URL: url, ...env }, accessBank.config), { timeoutMs: 3000 });

it('presents the configured client certificate to a bank that demands one', async () => {
  const c = connector({
    ACCESSBANK_TLS_CERT: join(dir, 'client.pem'),
    ACCESSBANK_TLS_KEY: join(dir, 'client.key'),
    ACCESSBANK_TLS_CA: readFileSync(join(dir, 'ca.pem'), 'utf8'),
  });
  const accounts = await c.listAccounts(SESSION, { psuIpAddress: '203.0.113.7' });
  expect(accounts.items.map((a) => a.providerAccountId)).toEqual(['a1']);
  expect(seenSubjects).toEqual(['Hisob TPP']);
});

it('without the certificate the call never reaches the bank: Transient', async () => {
  const c = connector({});
  await expect(c.listAccounts(SESSION, { psuIpAddress: '203.0.113.7' })).rejects.toBeInstanceOf(Transient);
  expect(seenSubjects).toEqual(['Hisob TPP']);
});

it('signs over mutual TLS too: the bank receives Digest and Signature of the very bytes it read', async () => {
  const signing = makeSigningCertificates();
  try {
    const c = connector({
      ACCESSBANK_TLS_CERT: join(dir, 'client.pem'),
      ACCESSBANK_TLS_KEY: join(dir, 'client.key'),
      ACCESSBANK_TLS_CA: readFileSync(join(dir, 'ca.pem'), 'utf8'),
      ACCESSBANK_SIGNING_KEY: signing.keyPath,
      ACCESSBANK_SIGNING_CERT: signing.certPath,
    });
    seenRequests.length = 0;
    await c.listAccounts(SESSION, { psuIpAddress: '203.0.113.7' });
    // This bank answers every call with accounts: consent creation fails after the request was read.
    await c
      .startAuthorisation({
        consentId: 'x',
        permissions: ['accounts', 'balances', 'transactions'],
        redirectUri: 'https://hisob.example/v1/consents/callback',
        validUntil: null,
        msisdn: null,
        psuIpAddress: '203.0.113.7',
      })
      .catch(() => undefined);
    expect(seenRequests.length).toBeGreaterThanOrEqual(2);
    expect(seenRequests[1]!.body.length).toBeGreaterThan(0);
    for (const { headers, body } of seenRequests) {
      expect(headers.digest).toBe(`SHA-256=${createHash('sha256').update(body).digest('base64')}`);
      const cert = new X509Certificate(Buffer.from(headers['tpp-signature-certificate']!, 'base64'));
      const p = Object.fromEntries(
        [...headers.signature!.matchAll(/([A-Za-z]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
      );
      expect(p.keyId).toMatch(new RegExp(`^SN=${cert.serialNumber},CA=`));
      const text = p
        .headers!.split(' ')
        .map((n) => `${n}: ${headers[n]}`)
        .join('\n');
      expect(createVerify('RSA-SHA256').update(text).verify(cert.publicKey, p.signature!, 'base64')).toBe(
        true,
      );
    }
  } finally {
    signing.remove();
  }
});
