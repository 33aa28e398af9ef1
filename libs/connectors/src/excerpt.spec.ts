import { EXCERPT_MAX_BYTES, redact, safeExcerpt } from './excerpt.js';

describe('safeExcerpt', () => {
  it('cuts to 500 bytes on a character boundary', () => {
    const sut = safeExcerpt('ж'.repeat(400));
    expect(Buffer.byteLength(sut, 'utf8')).toBeLessThanOrEqual(EXCERPT_MAX_BYTES);
    expect(sut.endsWith('…')).toBe(true);
    expect(sut).not.toContain('\uFFFD');
  });

  it('keeps what is not a secret', () => {
    expect(redact('grant_type=refresh_token&expires_in=3600')).toBe(
      'grant_type=refresh_token&expires_in=3600',
    );
    expect(redact('{"tokenType":"Bearer","code":400}')).toBe('{"tokenType":"Bearer","code":400}');
  });

  it('leaves short text whole', () => {
    expect(safeExcerpt('{"code":400}')).toBe('{"code":400}');
  });

  it('redacts tokens before cutting, so a token on the edge cannot leak', () => {
    const token = 'a'.repeat(40);
    const body = `${' '.repeat(480)}{"access_token":"${token}"}`;
    expect(safeExcerpt(body)).not.toContain('aaaaaaaaaa');
  });
});

describe('redact', () => {
  it.each([
    ['{"access_token":"s3cr3t","refresh_token":"r3fr3sh","token_type":"Bearer"}', ['s3cr3t', 'r3fr3sh']],
    ['Authorization: Bearer abcdefghijklmnop', ['abcdefghijklmnop']],
    ['id eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl end', ['eyJhbGciOiJSUzI1NiJ9']],
    ['card 4444333322221111 declined', ['4444333322221111', '44443333']],
    ['card 4444 3333 2222 1111 declined', ['4444 3333 2222']],
    ['{"code":"abc123","password":"hunter2"}', ['abc123', 'hunter2']],
    [
      '{"accessToken":"at-1","refreshToken": "rt-2","idToken":"it-3","clientSecret":"cs-4","apiKey":"ak-5"}',
      ['at-1', 'rt-2', 'it-3', 'cs-4', 'ak-5'],
    ],
    ['access_token=at-6&token_type=bearer&refresh_token=rt-7&expires_in=3600', ['at-6', 'rt-7']],
    ['grant_type=refresh_token&refreshToken=rt-8&clientSecret=cs-9', ['rt-8', 'cs-9']],
    ['https://bank.example/cb?code=oauth-code-10&state=xyz', ['oauth-code-10']],
    ['error: invalid client_secret=cs-11; retry', ['cs-11']],
    ['Authorization: Basic aGlzb2I6c2VjcmV0LXNhbmRib3g=', ['aGlzb2I6c2VjcmV0LXNhbmRib3g']],
    // Found by the leak scan: tokens quoted inside an error message, and escaped JSON in a string.
    ['{"message":"bad accessToken: \\"at-12-secret\\""}', ['at-12-secret']],
    ['{"detail":"{\\"access_token\\":\\"at-13-secret\\"}"}', ['at-13-secret']],
    ["refresh_token='rt-14-secret'", ['rt-14-secret']],
    ['accessToken: at-15-secret-value', ['at-15-secret-value']],
  ])('removes secrets from %j', (text, secrets) => {
    const sut = redact(text);
    for (const s of secrets) expect(sut).not.toContain(s);
  });

  it('keeps the last four digits of a card number and leaves dates and amounts alone', () => {
    expect(redact('4444333322221111')).toBe('…1111');
    expect(redact('"completed":"2026-03-14T09:12:45Z","amount":"-10.5"')).toBe(
      '"completed":"2026-03-14T09:12:45Z","amount":"-10.5"',
    );
  });
});
