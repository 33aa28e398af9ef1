import {
  ChallengePending,
  NotPermitted,
  ProtocolViolation,
  RateLimited,
  ReauthRequired,
  TokenExpired,
  Transient,
  Unsupported,
  type AnyConnectorError,
} from '#connectors/connector-errors.js';
import { decideFault, type FaultContext } from './fault-policy.js';

const mandatory: FaultContext = { importance: 'mandatory', refreshed: false, finalAttempt: false };
const bestEffort: FaultContext = { importance: 'best_effort', refreshed: false, finalAttempt: false };
const after = (ctx: FaultContext, more: Partial<FaultContext>): FaultContext => ({ ...ctx, ...more });

describe('the fault policy', () => {
  const cases: Array<[string, AnyConnectorError, FaultContext, ReturnType<typeof decideFault>]> = [
    ['an expired token is refreshed', new TokenExpired('x'), mandatory, { action: 'refresh_then_retry' }],
    [
      'an expired token after a refresh re-authorises',
      new TokenExpired('x'),
      after(mandatory, { refreshed: true }),
      { action: 'reauthorise' },
    ],
    [
      'a refused token is refreshed first',
      new ReauthRequired('token_invalid', 'x'),
      mandatory,
      { action: 'refresh_then_retry' },
    ],
    [
      'a revoked consent re-authorises at once',
      new ReauthRequired('consent_revoked', 'x'),
      mandatory,
      { action: 'reauthorise' },
    ],
    [
      'best effort never re-authorises',
      new ReauthRequired('consent_revoked', 'x'),
      bestEffort,
      { action: 'record', state: 'failed' },
    ],
    [
      'best effort: an expired token is refreshed too',
      new TokenExpired('x'),
      bestEffort,
      { action: 'refresh_then_retry' },
    ],
    [
      'not permitted on best effort is coverage',
      new NotPermitted('x'),
      bestEffort,
      { action: 'record', state: 'forbidden' },
    ],
    [
      'not permitted on history gives the account up, never re-authorises',
      new NotPermitted('x'),
      mandatory,
      { action: 'give_up', state: 'forbidden' },
    ],
    [
      'an endpoint switched off is coverage',
      new Unsupported('x'),
      bestEffort,
      { action: 'record', state: 'unsupported' },
    ],
    [
      'a missing history endpoint gives up',
      new Unsupported('x'),
      mandatory,
      { action: 'give_up', state: 'unsupported' },
    ],
    [
      'a 429 waits for the bank',
      new RateLimited(7, 'x'),
      bestEffort,
      { action: 'delay_until', retryAfterS: 7, waiting: 'rate_limit' },
    ],
    [
      'a pending challenge waits',
      new ChallengePending('x', { retryAfterS: 30 }),
      mandatory,
      { action: 'delay_until', retryAfterS: 30, waiting: 'challenge' },
    ],
    ['a 5xx on history retries', new Transient('x'), mandatory, { action: 'retry' }],
    [
      'a 5xx on history on the last attempt gives up',
      new Transient('x'),
      after(mandatory, { finalAttempt: true }),
      { action: 'give_up', state: 'failed' },
    ],
    [
      'a 5xx on best effort is coverage, read again next sync',
      new Transient('x'),
      bestEffort,
      { action: 'record', state: 'failed' },
    ],
    [
      'a malformed history page fails loudly',
      new ProtocolViolation('x', { body: '{' }),
      mandatory,
      { action: 'give_up', state: 'failed' },
    ],
    [
      'a malformed best-effort reply is coverage',
      new ProtocolViolation('x', { body: '{' }),
      bestEffort,
      { action: 'record', state: 'failed' },
    ],
  ];

  it.each(cases)('%s', (_name, err, ctx, decision) => {
    expect(decideFault(err, ctx)).toEqual(decision);
  });

  it('never answers a 403-like error with re-authorisation', () => {
    for (const importance of ['mandatory', 'best_effort'] as const) {
      for (const refreshed of [false, true]) {
        for (const err of [new NotPermitted('x'), new Unsupported('x')]) {
          expect(decideFault(err, { importance, refreshed, finalAttempt: true }).action).not.toBe(
            'reauthorise',
          );
        }
      }
    }
  });
});
