import { Foundation1763877600000 } from './1763877600000-Foundation.js';

/** Every migration in order (explicit, so ESM and Jest load the same classes). */
export const MIGRATIONS = [Foundation1763877600000];
