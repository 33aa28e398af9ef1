import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A TPP's signing key and certificates issued by a test CA (the openssl CLI, in a temp dir). */
export interface TestSigningCertificates {
  readonly dir: string;
  /** The TPP's RSA key (PKCS#8 PEM) and its path. */
  readonly keyPem: string;
  readonly keyPath: string;
  /** The TPP's certificate for that key (serial 0x9FA1, as the guidelines' example) and its path. */
  readonly certPem: string;
  readonly certPath: string;
  /** Another certificate of the same key, by the same CA, with another serial (0x0B07). */
  readonly otherSerialCertPem: string;
  /** A key of no certificate here. */
  readonly strangerKeyPem: string;
  /** The CA's issuer DN, with a comma in a value (as real QTSP names have). */
  readonly caSubject: string;
  remove(): void;
}

/** Makes a CA, a TPP key and its certificates. Needs `openssl` on the PATH. */
export function makeSigningCertificates(prefix = 'hisob-signing-'): TestSigningCertificates {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const caSubject = '/C=TJ/O=Test QTSP, Inc./CN=Test QTSP CA 1';
  const args = (line: string, ...values: string[]) => [...line.split(' '), ...values];
  openssl(args('req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj', caSubject));
  openssl(
    args('req -newkey rsa:2048 -nodes -keyout tpp.key -out tpp.csr -subj', '/C=TJ/O=Hisob/CN=Hisob TPP'),
  );
  for (const [out, serial] of [
    ['tpp.pem', '0x9FA1'],
    ['tpp-other.pem', '0x0B07'],
  ] as const)
    openssl(args('x509 -req -in tpp.csr -CA ca.pem -CAkey ca.key -days 2 -set_serial', serial, '-out', out));
  openssl(args('genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out stranger.key'));
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return {
    dir,
    keyPem: read('tpp.key'),
    keyPath: join(dir, 'tpp.key'),
    certPem: read('tpp.pem'),
    certPath: join(dir, 'tpp.pem'),
    otherSerialCertPem: read('tpp-other.pem'),
    strangerKeyPem: read('stranger.key'),
    caSubject,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
