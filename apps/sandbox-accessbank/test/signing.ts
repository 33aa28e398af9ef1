/**
 * A TPP that signs its requests (NextGenPSD2 Implementation Guidelines, "Signatures"), written
 * here from the guidelines for the sandbox's tests (the sandbox shares no code with Hisob's
 * connector): keys and certificates made with the openssl CLI in a temp dir.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate, createHash, createSign, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { RunningSandbox } from '../src/main.js';
import { xs2a, type ApiResponse } from './helpers.js';

export interface Tpp {
  /** PEM private key and certificate (serial 0x9FA1, issued by a CA whose name has a comma). */
  keyPem: string;
  certPem: string;
  /** The same key's certificate with another serial (0x0B07). */
  otherCertPem: string;
  remove(): void;
}

export function makeTpp(): Tpp {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-accessbank-tpp-'));
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
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
    '/C=DE/O=Test Trust, GmbH/CN=Test Trust CA 2-1',
  ]);
  openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'tpp.key',
    '-out',
    'tpp.csr',
    '-subj',
    '/C=TJ/O=TPP/CN=TPP',
  ]);
  for (const [out, serial] of [
    ['tpp.pem', '0x9FA1'],
    ['other.pem', '0x0B07'],
  ])
    openssl([
      'x509',
      '-req',
      '-in',
      'tpp.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-set_serial',
      serial!,
      '-out',
      out!,
      '-days',
      '2',
    ]);
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return {
    keyPem: read('tpp.key'),
    certPem: read('tpp.pem'),
    otherCertPem: read('other.pem'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** `SN=<hex>,CA=<issuer RDNs, most specific first, percent-encoded>`. */
export function keyIdOf(certPem: string): string {
  const cert = new X509Certificate(certPem);
  const ca = cert.issuer
    .split('\n')
    .reverse()
    .map((r) => encodeURIComponent(r.replace(/\\(.)/g, '$1')).replace(/%3D/g, '='))
    .join(',');
  return `SN=${cert.serialNumber},CA=${ca}`;
}

export interface SignOptions {
  /** Headers of the request (lower case); `x-request-id` among them. */
  headers: Record<string, string>;
  body?: string;
  /** The headers to sign; default the mandatory ones and those present of date, psu-id, tpp-redirect-uri. */
  signed?: string[];
  keyId?: string;
  /** The certificate sent (default the TPP's). */
  certPem?: string;
  date?: string;
}

/** The headers with Date, Digest, Signature and TPP-Signature-Certificate added. */
export function sign(tpp: Tpp, opts: SignOptions): Record<string, string> {
  const h: Record<string, string> = {
    ...opts.headers,
    date: opts.date ?? new Date().toUTCString(),
    digest: `SHA-256=${createHash('sha256')
      .update(opts.body ?? '')
      .digest('base64')}`,
  };
  const signed = opts.signed ?? [
    'digest',
    'x-request-id',
    ...['date', 'psu-id', 'tpp-redirect-uri'].filter((n) => n in h),
  ];
  const text = signed.map((n) => `${n}: ${h[n]}`).join('\n');
  const signature = createSign('RSA-SHA256').update(text).sign(tpp.keyPem, 'base64');
  h.signature = `keyId="${opts.keyId ?? keyIdOf(tpp.certPem)}",algorithm="rsa-sha256",headers="${signed.join(' ')}",signature="${signature}"`;
  h['tpp-signature-certificate'] = new X509Certificate(opts.certPem ?? tpp.certPem).raw.toString('base64');
  return h;
}

/**
 * A signed XS2A call through the validating client. `tamper` changes the request after signing
 * (the body sent, or headers).
 */
export async function signedXs2a<T = any>(
  sandbox: RunningSandbox,
  tpp: Tpp,
  method: string,
  path: string,
  opts: Partial<SignOptions> & {
    json?: unknown;
    tamper?: { body?: string; headers?: Record<string, string | null> };
  } = {},
): Promise<ApiResponse<T>> {
  const requestId = randomUUID();
  const body = opts.json === undefined ? opts.body : JSON.stringify(opts.json);
  const base: Record<string, string> = { ...opts.headers, 'x-request-id': requestId };
  if (body !== undefined) base['content-type'] = 'application/json';
  const headers = sign(tpp, { ...opts, headers: base, ...(body === undefined ? {} : { body }) });
  for (const [k, v] of Object.entries(opts.tamper?.headers ?? {}))
    if (v === null) delete headers[k];
    else headers[k] = v;
  const { 'x-request-id': sentId, ...rest } = headers;
  return xs2a<T>(sandbox, method, path, {
    headers: rest,
    requestId: sentId ?? null,
    ...(opts.tamper?.body !== undefined ? { body: opts.tamper.body } : body === undefined ? {} : { body }),
  });
}
