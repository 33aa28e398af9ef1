import pino from 'pino';
import { Writable } from 'node:stream';
import { baseLoggerOptions, redactUrl } from './logging.js';

describe('log redaction', () => {
  it('redacts secret query and form parameters, snake_case and camelCase', () => {
    const url =
      '/v1/consents/callback?code=c-1&state=s-2&access_token=a-3&accessToken=a-4&refreshToken=r-5&clientSecret=x-6&page=2';
    const sut = redactUrl(url)!;
    for (const secret of ['c-1', 's-2', 'a-3', 'a-4', 'r-5', 'x-6']) expect(sut).not.toContain(secret);
    expect(sut).toContain('page=2');
  });

  it('redacts camelCase secret fields in logged objects, at the top and one level down', () => {
    const lines: string[] = [];
    const logger = pino(
      baseLoggerOptions('info', 'spec'),
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          lines.push(chunk.toString());
          cb();
        },
      }),
    );
    logger.info(
      {
        accessToken: 'a-1',
        idToken: 'i-2',
        session: { refreshToken: 'r-3', clientSecret: 'c-4', codeVerifier: 'v-5', access_token: 'a-6' },
        kept: 'visible',
      },
      'bank session',
    );
    const line = lines.join('');
    for (const secret of ['a-1', 'i-2', 'r-3', 'c-4', 'v-5', 'a-6']) expect(line).not.toContain(secret);
    expect(line).toContain('visible');
  });
});
