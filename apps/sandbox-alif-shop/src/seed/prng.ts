/** Deterministic randomness: the sandbox banks' one PRNG (apps/sandbox-kit). */
export { Prng, fmix32, hash32, hashString, hex64 } from '../../../sandbox-kit/src/prng.js';
