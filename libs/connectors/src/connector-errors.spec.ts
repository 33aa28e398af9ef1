import {
  ChallengePending,
  ProtocolViolation,
  RateLimited,
  ReauthRequired,
  Transient,
  assertUnreachable,
  isConnectorError,
  type AnyConnectorError,
} from './connector-errors.js';

/** What the worker does, written the way STYLE §6.5 asks: an exhaustive switch. */
function reaction(err: AnyConnectorError): string {
  switch (err.kind) {
    case 'reauth_required':
      return `reauth:${err.reason}`;
    case 'token_expired':
      return 'refresh';
    case 'not_permitted':
      return 'forbidden';
    case 'unsupported':
      return 'unsupported';
    case 'challenge_pending':
      return 'later';
    case 'rate_limited':
      return `delay:${err.retryAfterS}`;
    case 'transient':
      return 'retry';
    case 'protocol_violation':
      return `fail:${err.excerpt}`;
    default:
      return assertUnreachable(err);
  }
}

describe('connector errors', () => {
  it('can be switched on exhaustively by kind', () => {
    const errors: AnyConnectorError[] = [
      new ReauthRequired('invalid_grant', 'x'),
      new ChallengePending('x'),
      new RateLimited(30, 'x'),
      new Transient('x'),
      new ProtocolViolation('x', { body: '{"bad":1}' }),
    ];
    expect(errors.map(reaction)).toEqual([
      'reauth:invalid_grant',
      'later',
      'delay:30',
      'retry',
      'fail:{"bad":1}',
    ]);
    expect(errors.every(isConnectorError)).toBe(true);
    expect(isConnectorError(new Error('x'))).toBe(false);
  });

  it('clamps retryAfterS to 1 s … 1 day and rounds up', () => {
    expect(new RateLimited(0, 'x').retryAfterS).toBe(1);
    expect(new RateLimited(2.1, 'x').retryAfterS).toBe(3);
    expect(new RateLimited(10 ** 9, 'x').retryAfterS).toBe(86_400);
    expect(new RateLimited(Number.NaN, 'x').retryAfterS).toBe(60);
  });

  it('cuts and redacts the excerpt', () => {
    const sut = new ProtocolViolation('x', { body: `{"refresh_token":"secret-value"}${'x'.repeat(1000)}` });
    expect(Buffer.byteLength(sut.excerpt)).toBeLessThanOrEqual(500);
    expect(sut.excerpt).not.toContain('secret-value');
  });

  it('names itself for logs', () => {
    expect(new Transient('x').name).toBe('Transient');
    expect(new ReauthRequired('token_invalid', 'x')).toBeInstanceOf(Error);
  });
});
