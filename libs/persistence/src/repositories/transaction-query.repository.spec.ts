import { TRANSACTION_COLUMNS, TRANSACTION_FIELDS, transactionOf } from './transaction-query.repository.js';

describe('transaction rows read as arrays', () => {
  it('maps each position to the field the column list selects there', () => {
    // Each value is the name of the field its column is selected as: a mismatch shows at once.
    const row = transactionOf(TRANSACTION_FIELDS.map(([field]) => field));
    expect(Object.entries(row)).toEqual(TRANSACTION_FIELDS.map(([field]) => [field, field]));
  });

  it('selects every field under its own name, in that order', () => {
    const aliases = [...TRANSACTION_COLUMNS.matchAll(/ AS "([A-Za-z]+)"/g)].map((m) => m[1]);
    expect(aliases).toEqual(TRANSACTION_FIELDS.map(([field]) => field));
  });
});
