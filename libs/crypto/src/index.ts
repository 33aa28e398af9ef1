export {
  CryptoError,
  InvalidKeyring,
  MalformedCiphertext,
  MalformedSecretHash,
  TamperedCiphertext,
  UnknownKeyId,
  UnsupportedCiphertextVersion,
  type CryptoErrorCode,
} from './crypto-errors.js';
export { Keyring } from './keyring.js';
export {
  DEFAULT_SCRYPT_PARAMS,
  generateApiKey,
  hashSecret,
  parseApiKey,
  randomBase62,
  verifySecret,
  type ApiKeyMode,
  type ApiKeyParts,
  type GeneratedApiKey,
  type ScryptParams,
} from './secrets.js';
