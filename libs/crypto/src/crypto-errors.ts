/** What went wrong in libs/crypto; a string union for exhaustive switches. */
export type CryptoErrorCode =
  | 'invalid_keyring'
  | 'unknown_key_id'
  | 'malformed_ciphertext'
  | 'unsupported_version'
  | 'tampered'
  | 'malformed_hash';

/**
 * Base of every libs/crypto error. Messages never contain key material, plaintext or secrets —
 * only key ids and the shape of what was wrong.
 */
export abstract class CryptoError extends Error {
  abstract readonly code: CryptoErrorCode;
}

/** The keyring string (`HISOB_ENCRYPTION_KEY`) cannot be used. */
export class InvalidKeyring extends CryptoError {
  override readonly name = 'InvalidKeyring';
  readonly code = 'invalid_keyring';
}

/** The ciphertext names a key id the keyring no longer (or never) held. */
export class UnknownKeyId extends CryptoError {
  override readonly name = 'UnknownKeyId';
  readonly code = 'unknown_key_id';

  constructor(readonly keyId: string) {
    super(`no key "${keyId}" in the keyring (was it removed before re-encryption finished?)`);
  }
}

/** The value is not a Hisob ciphertext (wrong number of parts, bad base64url, bad IV length…). */
export class MalformedCiphertext extends CryptoError {
  override readonly name = 'MalformedCiphertext';
  readonly code = 'malformed_ciphertext';
}

/** The ciphertext's format version is not one this build can read. */
export class UnsupportedCiphertextVersion extends CryptoError {
  override readonly name = 'UnsupportedCiphertextVersion';
  readonly code = 'unsupported_version';

  constructor(readonly version: string) {
    super(`unsupported ciphertext version "${version.slice(0, 8)}"`);
  }
}

/**
 * GCM authentication failed: the ciphertext, IV or tag was altered, or it is being decrypted
 * with other associated data (e.g. moved to another consent's row). GCM cannot tell which.
 */
export class TamperedCiphertext extends CryptoError {
  override readonly name = 'TamperedCiphertext';
  readonly code = 'tampered';

  constructor() {
    super('ciphertext failed authentication: tampered, or decrypted with the wrong associated data');
  }
}

/** A stored secret hash is not in the format `hashSecret` writes. */
export class MalformedSecretHash extends CryptoError {
  override readonly name = 'MalformedSecretHash';
  readonly code = 'malformed_hash';
}
