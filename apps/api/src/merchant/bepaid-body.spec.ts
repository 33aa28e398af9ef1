import { parseCustomerCsv } from './bepaid-body.js';

describe('parseCustomerCsv', () => {
  it('reads quoted fields, CRLF and LF, columns in any order, and skips empty lines', () => {
    expect(
      parseCustomerCsv('\ufeffstatus,account,max_amount\r\nactive,"a,1","1,000"\n\nblocked,b,\n'),
    ).toEqual([
      { status: 'active', account: 'a,1', max_amount: '1,000' },
      { status: 'blocked', account: 'b', max_amount: '' },
    ]);
    expect(parseCustomerCsv('account,status\n"say ""hi""",active')).toEqual([
      { account: 'say "hi"', status: 'active' },
    ]);
  });

  it('refuses a missing column, a ragged line and an open quote', () => {
    expect(() => parseCustomerCsv('account\nx')).toThrow(/status/);
    expect(() => parseCustomerCsv('account,status\nx')).toThrow(/number of fields/);
    expect(() => parseCustomerCsv('account,status\n"x,active')).toThrow(/quoted/);
    expect(() => parseCustomerCsv('')).toThrow(/header/);
  });
});
