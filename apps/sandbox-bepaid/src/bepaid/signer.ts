/**
 * bePaid's notification signature: `Content-Signature` = base64 of an RSA signature (PKCS#1 v1.5,
 * SHA-256) over the exact bytes of the request body, made with the shop's private key that only
 * bePaid holds. The merchant verifies it with the public key bePaid's back office shows — bare
 * base64 of the DER SubjectPublicKeyInfo, without PEM armour (the PHP SDK re-wraps it at 64
 * columns; docs.bepaid.by /en/dev_tools/webhooks/, begateway-api-php lib/BeGateway/Webhook.php).
 */
import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  type KeyObject,
} from 'node:crypto';
import { readFile } from 'node:fs/promises';

export class Signer {
  readonly publicKeyPem: string;
  /** The back office's form: base64 of the DER SubjectPublicKeyInfo, no armour, no line breaks. */
  readonly publicKeyBase64: string;

  private constructor(private readonly privateKey: KeyObject) {
    const publicKey = createPublicKey(privateKey);
    this.publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    this.publicKeyBase64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  }

  /** A fresh 2048-bit RSA key (about 0.1 s). */
  static generate(): Signer {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return new Signer(privateKey);
  }

  /** An RSA private key from a PEM file (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`). */
  static async fromPemFile(path: string): Promise<Signer> {
    const key = createPrivateKey(await readFile(path));
    if (key.asymmetricKeyType !== 'rsa') throw new Error(`${path}: not an RSA private key`);
    return new Signer(key);
  }

  /** The `Content-Signature` value of these body bytes. */
  sign(body: Buffer): string {
    return sign('sha256', body, { key: this.privateKey, padding: constants.RSA_PKCS1_PADDING }).toString(
      'base64',
    );
  }
}
