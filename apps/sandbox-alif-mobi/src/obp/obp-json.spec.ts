import { SandboxBank } from '../seed/sandbox-bank.js';
import { ObpJson } from './obp-json.js';

describe('ObpJson.transactionText', () => {
  const bank = new SandboxBank({ seed: 7, size: 6000, anchorDate: '2026-06-30' });
  const json = new ObpJson(bank, 'alif.tj');

  it.each([{ balances: true }, { balances: false }])(
    'is JSON.stringify(transaction()) byte for byte, for every posting of every account (%o)',
    (vis) => {
      let n = 0;
      const kinds = new Set<number>();
      const counterparties = new Set<number>();
      for (const book of bank.ledger.books) {
        for (const p of book.postings) {
          // Twice: the second call is served from the cached parts.
          for (let i = 0; i < 2; i++) {
            expect(json.transactionText(p, vis)).toBe(JSON.stringify(json.transaction(p, vis)));
          }
          kinds.add(p.kind);
          counterparties.add(p.cp < 0 ? p.cp : 0);
          n++;
        }
      }
      expect(n).toBeGreaterThan(5000);
      // Every shape of counterparty (none, own account, external) and many kinds were covered.
      expect([...counterparties].sort((x, y) => x - y)).toEqual([-2, -1, 0]);
      expect(kinds.size).toBeGreaterThan(5);
    },
  );
});
