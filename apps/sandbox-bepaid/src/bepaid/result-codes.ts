/**
 * The `result` codes of the merchant's account-verification answer. bePaid's own table could
 * not be retrieved; the numbers are those of the OSMP/QIWI provider-protocol family that bePaid's
 * Alif Mobi page lists (0, 1, 4, 5, 7, 8, 9, 10, 11, 12, 90, 241, 242, 243, 300). The simulator
 * only tells 0 (proceed) from anything else (refused); the meanings make its messages readable.
 */
const MEANINGS: Readonly<Record<number, string>> = {
  0: 'OK',
  1: 'temporary error, try later',
  4: 'account in a wrong format',
  5: 'account not found',
  7: 'payment forbidden by the merchant',
  8: 'technical error',
  9: 'no such transaction',
  10: 'rejected',
  11: 'duplicate, not final',
  12: 'duplicate, already successful',
  90: 'payment not completed',
  241: 'amount too small',
  242: 'amount too large',
  243: 'cannot check the account',
  300: 'other merchant error',
};

export function resultMeaning(code: number): string {
  return MEANINGS[code] ?? 'unknown code';
}
