/** Deterministic randomness: the sandbox banks' one PRNG (apps/sandbox-kit). */
export {
  Prng,
  TransactionIdCodec,
  fmix32,
  hash32,
  hashString,
  uuidFrom,
} from '../../../sandbox-kit/src/prng.js';
