import { csvField, csvNumber, csvText, csvTotals, prefersCsv, statementCsv } from './statement-csv.js';
import type { StatementResponse } from './statement.dto.js';

const statement: StatementResponse = {
  account_id: 'a',
  from_date: '2026-01-01',
  to_date: '2026-01-31',
  currency: 'TJS',
  opening_balance: null,
  closing_balance: null,
  total_debits: '120.50',
  total_credits: '0.00',
  transaction_count: 1,
  data_as_of: null,
};

describe('statement CSV', () => {
  it('quotes fields per RFC 4180 only when needed', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
  });

  it('quotes semicolons too, so the columns hold in ; locales', () => {
    expect(csvField('a;b')).toBe('"a;b"');
    expect(csvText('Tcell; mobile')).toBe('"Tcell; mobile"');
    expect(csvText('=1;2')).toBe(`"'=1;2"`);
  });

  it('keeps plain decimal amounts as numbers and guards anything else in an amount cell', () => {
    expect(csvNumber('-120.50')).toBe('-120.50');
    expect(csvNumber('1520')).toBe('1520');
    expect(csvNumber(null)).toBe('');
    expect(csvNumber('-1+1')).toBe("'-1+1");
    expect(csvNumber('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvNumber('1,5')).toBe('"1,5"');
  });

  it('guards text that a spreadsheet would run as a formula', () => {
    for (const s of ['=1+1', '+1', '-1', '@A1', '\tx', '\rx'])
      expect(csvText(s).replace(/^"/, '').startsWith("'")).toBe(true);
    expect(csvText('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvText('Tcell - mobile')).toBe('Tcell - mobile');
    expect(csvText(null)).toBe('');
  });

  it('writes unknown balances as empty fields and keeps nine fields per row', () => {
    const rows = csvTotals(statement).split('\r\n').filter(Boolean);
    expect(rows).toEqual([
      'opening_balance,,,,,,,TJS,',
      'total_credits,,,,,,0.00,TJS,',
      'total_debits,,,,,,120.50,TJS,',
      'closing_balance,,,,,,,TJS,',
      'transaction_count,,,,,,1,,',
    ]);
  });

  it('streams header, batches and totals in that order', async () => {
    async function* batches() {
      yield [
        {
          id: 'i',
          date: '2026-01-02',
          providerTransactionId: 'p',
          type: 'fee',
          description: '-fee',
          counterpartyName: null,
          amount: '-120.50',
          currency: 'TJS',
          balanceAfter: '10.00',
        },
      ];
    }
    let out = '';
    for await (const chunk of statementCsv(statement, batches())) out += chunk;
    const lines = out.split('\r\n');
    expect(lines[0]).toBe(
      'date,transaction_id,provider_transaction_id,type,description,counterparty,amount,currency,balance_after',
    );
    expect(lines[1]).toBe("2026-01-02,i,p,fee,'-fee,,-120.50,TJS,10.00");
    expect(lines[2]).toMatch(/^opening_balance,/);
  });

  it('negotiates CSV only when the client ranks it above JSON', () => {
    expect(prefersCsv(undefined)).toBe(false);
    expect(prefersCsv('text/csv')).toBe(true);
    expect(prefersCsv('text/*')).toBe(true);
    expect(prefersCsv('TEXT/CSV; charset=utf-8')).toBe(true);
    expect(prefersCsv('*/*')).toBe(false);
    expect(prefersCsv('application/json, text/csv')).toBe(false);
    expect(prefersCsv('text/csv, application/json')).toBe(true);
    expect(prefersCsv('application/json;q=0.9, text/csv')).toBe(true);
    expect(prefersCsv('text/csv;q=0, */*')).toBe(false);
    expect(prefersCsv('text/csv;q=abc')).toBe(false);
    expect(prefersCsv('image/png')).toBe(false);
  });
});
