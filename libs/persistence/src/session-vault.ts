import { Injectable } from '@nestjs/common';
import { Keyring } from '#crypto/keyring.js';

/**
 * Seals what a consent keeps of the bank (the session with its tokens, the pending PKCE state)
 * with the keyring. The associated data names the consent and the field, so a ciphertext copied to
 * another consent or another column fails to open.
 */
@Injectable()
export class SessionVault {
  constructor(private readonly keyring: Keyring) {}

  seal(consentId: string, field: 'session' | 'auth_pending', value: unknown): string {
    return this.keyring.encrypt(JSON.stringify(value), aad(consentId, field));
  }

  open<T>(consentId: string, field: 'session' | 'auth_pending', sealed: string): T {
    return JSON.parse(this.keyring.decrypt(sealed, aad(consentId, field))) as T;
  }

  /** Re-encrypts under the active key (rotation); unchanged when already under it. */
  reseal(consentId: string, field: 'session' | 'auth_pending', sealed: string): string {
    return this.keyring.reencrypt(sealed, aad(consentId, field));
  }
}

const aad = (consentId: string, field: string) => `consent:${consentId}:${field}`;
