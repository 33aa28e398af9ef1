import type { CoverageState } from '#domain/coverage.js';
import { assertUnreachable, type AnyConnectorError } from '#connectors/connector-errors.js';

/**
 * Whether a failing bank call stops the sync (architecture.md "Mandatory vs best effort"):
 * authorisation, the account list and each account's history are mandatory; balances, cards,
 * transfers and other enrichments are best effort.
 */
export type Importance = 'mandatory' | 'best_effort';

/** What the sync does about one connector error. */
export type FaultDecision =
  /** Refresh the session (once), then call again. */
  | { readonly action: 'refresh_then_retry' }
  /** Try the job again later with capped exponential backoff (BullMQ attempts). */
  | { readonly action: 'retry' }
  /** Come back at a time the bank named, spending no attempt. */
  | {
      readonly action: 'delay_until';
      readonly retryAfterS: number;
      readonly waiting: 'rate_limit' | 'challenge';
    }
  /** Best effort: record the coverage and go on; the sync succeeds `partial`, the next one asks again. */
  | { readonly action: 'record'; readonly state: Exclude<CoverageState, 'ok'> }
  /** Mandatory: this resource (an account's history, the account list) fails loudly; nothing of it is stored. */
  | { readonly action: 'give_up'; readonly state: Exclude<CoverageState, 'ok'> }
  /** Only the person can fix it: the consent becomes `reauth_required`. */
  | { readonly action: 'reauthorise' };

export interface FaultContext {
  readonly importance: Importance;
  /** The session was already refreshed once for this call. */
  readonly refreshed: boolean;
  /** No BullMQ attempt is left after this one. */
  readonly finalAttempt: boolean;
}

/**
 * The one fault policy of the sync engine, the token refresh and the API's bank calls. The
 * processors only translate its answer into BullMQ (retry, delay, unrecoverable); nothing else
 * decides what a bank fault means.
 *
 * - An authentication failure is refreshed once; only one that survives the refresh, on a
 *   mandatory call, makes the consent `reauth_required`. A consent the bank says is expired or
 *   revoked needs the person at once.
 * - A 403 or "not permitted", an endpoint the bank switched off: coverage, never re-authorisation.
 * - 429 and a pending challenge wait for the time the bank names.
 * - A 5xx or timeout retries a mandatory call with backoff; a best-effort one is recorded
 *   `failed` and read again by the next sync rather than holding up the history.
 * - A malformed reply is never stored: mandatory fails loudly, best effort is `failed`.
 */
export function decideFault(err: AnyConnectorError, ctx: FaultContext): FaultDecision {
  const mandatory = ctx.importance === 'mandatory';
  switch (err.kind) {
    case 'token_expired':
      if (!ctx.refreshed) return { action: 'refresh_then_retry' };
      return mandatory ? { action: 'reauthorise' } : { action: 'record', state: 'failed' };
    case 'reauth_required':
      if (!ctx.refreshed && (err.reason === 'token_invalid' || err.reason === 'token_expired'))
        return { action: 'refresh_then_retry' };
      return mandatory ? { action: 'reauthorise' } : { action: 'record', state: 'failed' };
    case 'not_permitted':
      return mandatory ? { action: 'give_up', state: 'forbidden' } : { action: 'record', state: 'forbidden' };
    case 'unsupported':
      return mandatory
        ? { action: 'give_up', state: 'unsupported' }
        : { action: 'record', state: 'unsupported' };
    case 'rate_limited':
      return { action: 'delay_until', retryAfterS: err.retryAfterS, waiting: 'rate_limit' };
    case 'challenge_pending':
      return { action: 'delay_until', retryAfterS: err.retryAfterS, waiting: 'challenge' };
    case 'transient':
      if (!mandatory) return { action: 'record', state: 'failed' };
      return ctx.finalAttempt ? { action: 'give_up', state: 'failed' } : { action: 'retry' };
    case 'protocol_violation':
      return mandatory ? { action: 'give_up', state: 'failed' } : { action: 'record', state: 'failed' };
    default:
      return assertUnreachable(err);
  }
}
