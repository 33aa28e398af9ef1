import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  InvalidKeyring,
  MalformedCiphertext,
  TamperedCiphertext,
  UnknownKeyId,
  UnsupportedCiphertextVersion,
} from './crypto-errors.js';

/**
 * Encryption of bank tokens (and other secrets at rest) with AES-256-GCM under a keyring of
 * key-encryption keys identified by key id.
 *
 * Ciphertext format, self-describing and versioned:
 *
 *     v1.<kid>.<iv b64url>.<tag b64url>.<ciphertext b64url>
 *
 * - `kid` names the key that encrypted it, so old values stay readable after rotation and
 *   {@link Keyring.reencrypt} can move them to the active key one row at a time.
 * - The IV is 12 random bytes (NIST SP 800-38D §8.2.2 random construction); at a handful of
 *   encryptions per consent a key stays far below the 2^32 invocation limit.
 * - The GCM additional authenticated data is `v1.<kid>.` followed by the caller's associated data
 *   (e.g. `consent:<uuid>:access_token`): a ciphertext copied into another row, or re-labelled
 *   with another kid or version, fails authentication ({@link TamperedCiphertext}).
 */
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KID = /^[A-Za-z0-9_-]{1,32}$/;
const B64URL = /^[A-Za-z0-9_-]*$/;

/**
 * The keys of `HISOB_ENCRYPTION_KEY`: `kid:<base64 32 bytes>[,kid:<base64>…]`. The first key is
 * the active one (it encrypts); all of them decrypt. Rotation: prepend a new key, run
 * {@link Keyring.reencrypt} over the stored values, then drop the old key.
 */
export class Keyring {
  private constructor(
    private readonly keys: ReadonlyMap<string, Buffer>,
    /** Id of the key that encrypts. */
    readonly activeKeyId: string,
  ) {}

  /**
   * Parses a keyring string. Accepts standard or url-safe base64, padded or not.
   *
   * @throws {InvalidKeyring} on an empty string, a bad or duplicate key id, or a key that is not
   *   exactly 32 bytes. The message names the key id, never the key.
   */
  static parse(spec: string): Keyring {
    if (typeof spec !== 'string' || spec.trim() === '') throw new InvalidKeyring('empty keyring');
    const keys = new Map<string, Buffer>();
    for (const [index, entry] of spec.split(',').entries()) {
      const part = entry.trim();
      const colon = part.indexOf(':');
      const kid = colon < 0 ? '' : part.slice(0, colon);
      const material = colon < 0 ? '' : part.slice(colon + 1);
      if (!KID.test(kid)) {
        throw new InvalidKeyring(
          `keyring entry ${index + 1}: expected <kid>:<base64>, kid of [A-Za-z0-9_-]{1,32}`,
        );
      }
      if (keys.has(kid)) throw new InvalidKeyring(`keyring: key id "${kid}" appears twice`);
      if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(material)) throw new InvalidKeyring(`key "${kid}" is not base64`);
      const key = Buffer.from(material.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
      if (key.length !== KEY_BYTES)
        throw new InvalidKeyring(`key "${kid}" must decode to ${KEY_BYTES} bytes, got ${key.length}`);
      keys.set(kid, key);
    }
    const [active] = keys.keys();
    if (active === undefined) throw new InvalidKeyring('empty keyring');
    return new Keyring(keys, active);
  }

  /** Ids of all keys, active first. */
  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /**
   * Encrypts `plaintext` (UTF-8) under the active key, bound to `associatedData`.
   *
   * @param associatedData non-empty context the value belongs to, e.g. the consent id and field.
   */
  encrypt(plaintext: string, associatedData: string): string {
    assertAssociatedData(associatedData);
    const key = this.keys.get(this.activeKeyId) as Buffer;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(this.activeKeyId, associatedData));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, this.activeKeyId, b64url(iv), b64url(tag), b64url(ct)].join('.');
  }

  /**
   * Decrypts a value written by {@link encrypt} with any key of the keyring.
   *
   * @throws {MalformedCiphertext} not in the v1 format.
   * @throws {UnsupportedCiphertextVersion} another format version.
   * @throws {UnknownKeyId} the key is not in the keyring.
   * @throws {TamperedCiphertext} authentication failed (altered, or other associated data).
   */
  decrypt(ciphertext: string, associatedData: string): string {
    assertAssociatedData(associatedData);
    const parsed = parse(ciphertext);
    const key = this.keys.get(parsed.kid);
    if (key === undefined) throw new UnknownKeyId(parsed.kid);
    const decipher = createDecipheriv('aes-256-gcm', key, parsed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(parsed.kid, associatedData));
    decipher.setAuthTag(parsed.tag);
    try {
      return Buffer.concat([decipher.update(parsed.ct), decipher.final()]).toString('utf8');
    } catch {
      throw new TamperedCiphertext();
    }
  }

  /** The key id a ciphertext names, without decrypting it. */
  keyIdOf(ciphertext: string): string {
    return parse(ciphertext).kid;
  }

  /** True when the value is not under the active key yet (a rotation job's filter). */
  needsReencryption(ciphertext: string): boolean {
    return this.keyIdOf(ciphertext) !== this.activeKeyId;
  }

  /**
   * Key rotation: returns `ciphertext` re-encrypted under the active key (same associated data).
   * A value already under the active key is authenticated and returned unchanged, so a rotation
   * job can run twice.
   *
   * @throws the errors of {@link decrypt}.
   */
  reencrypt(ciphertext: string, associatedData: string): string {
    const plaintext = this.decrypt(ciphertext, associatedData);
    if (!this.needsReencryption(ciphertext)) return ciphertext;
    return this.encrypt(plaintext, associatedData);
  }
}

function assertAssociatedData(associatedData: string): void {
  // Required, not optional: a forgotten AAD would make ciphertexts movable between rows.
  if (typeof associatedData !== 'string' || associatedData.length === 0) {
    throw new TypeError('associatedData must be a non-empty string (e.g. the consent id)');
  }
}

function aad(kid: string, associatedData: string): Buffer {
  return Buffer.from(`${VERSION}.${kid}.${associatedData}`, 'utf8');
}

function b64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

function parse(ciphertext: string): { kid: string; iv: Buffer; tag: Buffer; ct: Buffer } {
  if (typeof ciphertext !== 'string') throw new MalformedCiphertext('ciphertext must be a string');
  const parts = ciphertext.split('.');
  const [version, kid, iv, tag, ct] = parts;
  if (version !== VERSION) {
    if (/^v\d+$/.test(version ?? '')) throw new UnsupportedCiphertextVersion(version as string);
    throw new MalformedCiphertext('not a Hisob ciphertext (expected v1.<kid>.<iv>.<tag>.<ct>)');
  }
  if (parts.length !== 5 || kid === undefined || iv === undefined || tag === undefined || ct === undefined) {
    throw new MalformedCiphertext('expected 5 dot-separated parts');
  }
  if (!KID.test(kid)) throw new MalformedCiphertext('bad key id');
  if (!B64URL.test(iv) || !B64URL.test(tag) || !B64URL.test(ct))
    throw new MalformedCiphertext('bad base64url');
  const ivBytes = Buffer.from(iv, 'base64url');
  const tagBytes = Buffer.from(tag, 'base64url');
  if (ivBytes.length !== IV_BYTES) throw new MalformedCiphertext(`IV must be ${IV_BYTES} bytes`);
  // A short tag would be accepted by OpenSSL and weaken authentication: insist on 16 bytes.
  if (tagBytes.length !== TAG_BYTES) throw new MalformedCiphertext(`tag must be ${TAG_BYTES} bytes`);
  return { kid, iv: ivBytes, tag: tagBytes, ct: Buffer.from(ct, 'base64url') };
}
