import {
  AuthorizationResponseError,
  ClientError,
  ClientSecretBasic,
  ResponseBodyError,
  WWWAuthenticateChallengeError,
  allowInsecureRequests,
  authorizationCodeGrant,
  buildAuthorizationUrl,
  calculatePKCECodeChallenge,
  discovery,
  randomPKCECodeVerifier,
  randomState,
  refreshTokenGrant,
  tokenRevocation,
  type Configuration,
  type TokenEndpointResponse,
} from 'openid-client';
import {
  ConnectorError,
  ProtocolViolation,
  RateLimited,
  ReauthRequired,
  Transient,
  type AnyConnectorError,
  type ConnectorErrorDetails,
} from '../connector-errors.js';
import type { BankSession, JsonObject, Permission } from '../connector.js';
import { isErrorLike, transportCode } from '../http.js';
import { DEFAULT_RETRY_AFTER_S, retryAfterSeconds } from './obp-errors.js';
import { toRfc3339 } from './obp-values.js';

/** Alif Mobi's authorisation server and our client registration there. */
export interface AlifMobiOAuthConfig {
  /** OIDC issuer (`ALIF_MOBI_ISSUER_URL`); discovery reads `/.well-known/openid-configuration`. */
  readonly issuerUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly timeoutMs: number;
  /** Scope for the permissions asked; default `openid offline_access` plus the permission names. */
  readonly scope?: (permissions: readonly Permission[]) => string;
}

/** What the caller stores between the redirect and the callback (kept opaque in the contract). */
export interface PendingOAuth {
  readonly state: string;
  readonly codeVerifier: string;
  readonly redirectUri: string;
}

const PROVIDER = 'alif-mobi' as const;

/**
 * Default scope: OIDC, a refresh token (`offline_access`), and one scope per permission. OBP has
 * no statement resource: Hisob computes a statement from the transaction history, anchored on the
 * booked balance, so `statements` asks the bank for `transactions` and `balances` (the API then
 * serves the statements, not the list or the balances).
 */
export function defaultScope(permissions: readonly Permission[]): string {
  const perms = permissions.flatMap((p) => (p === 'statements' ? ['transactions', 'balances'] : [p]));
  return ['openid', 'offline_access', ...new Set(perms)].join(' ');
}

/**
 * OAuth 2.0 authorization code + PKCE (RFC 7636, S256) against Alif Mobi's OIDC server, with
 * client_secret_basic, refresh (RFC 6749 §6) and revocation (RFC 7009), through openid-client v6.
 * Every failure leaves as a connector error (see {@link mapOAuthError}).
 */
export class AlifMobiOAuth {
  private configuration: Promise<Configuration> | null = null;

  constructor(
    private readonly config: AlifMobiOAuthConfig,
    private readonly now: () => Date,
  ) {}

  /**
   * Builds the authorisation URL. Returns the PKCE verifier and state the caller must keep for
   * {@link exchange}; nothing is stored here.
   */
  async start(
    permissions: readonly Permission[],
    redirectUri: string,
  ): Promise<{ url: string; pending: PendingOAuth }> {
    const config = await this.discover();
    const codeVerifier = randomPKCECodeVerifier();
    const state = randomState();
    const scope = (this.config.scope ?? defaultScope)(permissions);
    const params: Record<string, string> = {
      redirect_uri: redirectUri,
      scope,
      state,
      code_challenge: await calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    };
    // OIDC Core §11: a refresh token for offline_access needs prompt=consent (oidc-provider
    // drops offline_access otherwise).
    if (scope.split(' ').includes('offline_access')) params.prompt = 'consent';
    return { url: buildAuthorizationUrl(config, params).href, pending: { state, codeVerifier, redirectUri } };
  }

  /**
   * Exchanges the code of the callback. `callbackParams` are all query parameters of the callback
   * (the `state`, `iss` and `error` checks need them).
   *
   * @throws {ReauthRequired} `authorisation_denied` when the user refused, `invalid_grant` for a
   *   used or expired code.
   */
  async exchange(
    callbackParams: Readonly<Record<string, string>>,
    pending: PendingOAuth,
  ): Promise<BankSession> {
    const config = await this.discover();
    const currentUrl = new URL(pending.redirectUri);
    currentUrl.search = '';
    for (const [k, v] of Object.entries(callbackParams)) currentUrl.searchParams.set(k, v);
    try {
      const tokens = await authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
      });
      return this.toSession(tokens, null);
    } catch (err) {
      throw await mapOAuthError(err, 'authorization code exchange');
    }
  }

  /** A refresh grant; the new session keeps the old refresh token when none is returned. */
  async refresh(session: BankSession): Promise<BankSession> {
    if (session.refreshToken === null) {
      throw new ReauthRequired('token_expired', 'session has no refresh token', { provider: PROVIDER });
    }
    const config = await this.discover();
    try {
      return this.toSession(await refreshTokenGrant(config, session.refreshToken), session);
    } catch (err) {
      throw await mapOAuthError(err, 'refresh token grant');
    }
  }

  /**
   * Revokes the refresh token (RFC 7009 §2.1: revoking it also invalidates access tokens of the
   * same grant where the server supports it), else the access token. A server without a
   * revocation endpoint makes this a no-op; an already-invalid token counts as revoked.
   */
  async revoke(session: BankSession): Promise<void> {
    const config = await this.discover();
    if (!config.serverMetadata().revocation_endpoint) return;
    const [token, hint] =
      session.refreshToken !== null
        ? [session.refreshToken, 'refresh_token']
        : [session.accessToken, 'access_token'];
    try {
      await tokenRevocation(config, token, { token_type_hint: hint });
    } catch (err) {
      const mapped = await mapOAuthError(err, 'token revocation');
      if (mapped instanceof ReauthRequired) return;
      throw mapped;
    }
  }

  private toSession(tokens: TokenEndpointResponse, previous: BankSession | null): BankSession {
    const expiresIn = tokens.expires_in;
    return {
      accessToken: tokens.access_token,
      refreshToken: tokens.refresh_token ?? previous?.refreshToken ?? null,
      expiresAt: typeof expiresIn === 'number' ? toRfc3339(this.now().getTime() + expiresIn * 1000) : null,
      scope: tokens.scope ?? previous?.scope ?? null,
      state: previous?.state ?? null,
    };
  }

  /** Discovery once per process; a failed discovery is retried on the next call. */
  private discover(): Promise<Configuration> {
    if (this.configuration === null) {
      const issuer = new URL(this.config.issuerUrl);
      this.configuration = discovery(
        issuer,
        this.config.clientId,
        undefined,
        ClientSecretBasic(this.config.clientSecret),
        {
          timeout: Math.max(1, Math.ceil(this.config.timeoutMs / 1000)),
          // Plain http only for local sandboxes; production issuers are https.
          ...(issuer.protocol === 'http:' ? { execute: [allowInsecureRequests] } : {}),
        },
      ).catch(async (err: unknown) => {
        this.configuration = null;
        throw await mapOAuthError(err, 'OIDC discovery');
      });
    }
    return this.configuration;
  }
}

/** Reads `pending` back from the opaque JSON the caller stored. */
export function toPendingOAuth(pending: JsonObject): PendingOAuth {
  const { state, codeVerifier, redirectUri } = pending;
  if (typeof state !== 'string' || typeof codeVerifier !== 'string' || typeof redirectUri !== 'string') {
    throw new TypeError(
      'pending authorisation is not an Alif Mobi OAuth state (state, codeVerifier, redirectUri)',
    );
  }
  return { state, codeVerifier, redirectUri };
}

/**
 * Maps an openid-client failure to a connector error.
 * - `invalid_grant` (RFC 6749 §5.2), `invalid_token`, 401 → {@link ReauthRequired};
 *   an authorisation response `error=access_denied` (or any user-side error) → `authorisation_denied`.
 * - 429 or the sandbox's `{"error":"rate_limit","retry_after":60}` → {@link RateLimited} with the
 *   body's `retry_after`, else `Retry-After`.
 * - 5xx, `temporarily_unavailable`, `server_error`, timeouts, network errors → {@link Transient}.
 * - anything else the server said → {@link ProtocolViolation} with a redacted excerpt.
 * Errors that are not openid-client's or transport failures are returned unchanged (bugs).
 */
export async function mapOAuthError(err: unknown, operation: string): Promise<AnyConnectorError | unknown> {
  if (err instanceof ConnectorError) return err;
  const base: ConnectorErrorDetails = { provider: PROVIDER };

  if (err instanceof AuthorizationResponseError) {
    const code = err.error;
    const details = {
      ...base,
      providerCode: code,
      body: JSON.stringify({ error: code, error_description: err.error_description }),
    };
    if (code === 'server_error' || code === 'temporarily_unavailable') {
      return new Transient(`${operation}: authorisation server answered ${code}`, details);
    }
    return new ReauthRequired(
      'authorisation_denied',
      `${operation}: authorisation ended with ${code}`,
      details,
    );
  }

  if (err instanceof ResponseBodyError) {
    return fromOAuthBody(operation, err.status, err.cause, err.response.headers);
  }

  if (err instanceof WWWAuthenticateChallengeError) {
    const body = await readJsonObject(err.response);
    return fromOAuthBody(operation, err.status, body ?? {}, err.response.headers);
  }

  const transport = transportFailure(err);
  if (transport !== null) {
    const code = transportCode(err);
    return new Transient(`${operation}: ${transport.message}${code ? ` (${code})` : ''}`, {
      ...base,
      cause: err,
    });
  }

  if (err instanceof ClientError) {
    if (err.code === 'OAUTH_TIMEOUT' || err.code === 'OAUTH_ABORT') {
      return new Transient(`${operation}: no answer within the timeout`, base);
    }
    if (isResponseLike(err.cause)) {
      const res = err.cause;
      const text = await readText(res);
      if (res.status >= 500)
        return new Transient(`${operation}: authorisation server answered ${res.status}`, {
          ...base,
          status: res.status,
          body: text,
        });
      const json = parseObject(text);
      if (res.status >= 400 && json !== null) return fromOAuthBody(operation, res.status, json, res.headers);
      if (res.status === 429) return fromOAuthBody(operation, 429, {}, res.headers);
      return new ProtocolViolation(
        `${operation}: unexpected ${res.status} reply (${err.code ?? 'no code'})`,
        {
          ...base,
          status: res.status,
          body: text,
        },
      );
    }
    // Invalid token response, issuer mismatch, bad state, JWT claim checks…
    return new ProtocolViolation(`${operation}: ${err.message} (${err.code ?? 'no code'})`, {
      ...base,
      providerCode: err.code ?? null,
      body: err.message,
    });
  }

  return err;
}

function fromOAuthBody(
  operation: string,
  status: number,
  body: Readonly<Record<string, unknown>>,
  headers: Headers,
): AnyConnectorError {
  const code = typeof body.error === 'string' ? body.error : null;
  const details: ConnectorErrorDetails = {
    provider: PROVIDER,
    status,
    providerCode: code,
    body: JSON.stringify({ error: code, error_description: body.error_description }),
  };
  const where = `${operation}: ${status}${code ? ` ${code}` : ''}`;
  if (status === 429 || code === 'rate_limit' || code === 'slow_down') {
    const fromBody =
      typeof body.retry_after === 'number'
        ? body.retry_after
        : typeof body.retry_after === 'string' && /^\d+$/.test(body.retry_after)
          ? Number.parseInt(body.retry_after, 10)
          : null;
    const retryAfter = fromBody ?? retryAfterSeconds(headers) ?? DEFAULT_RETRY_AFTER_S;
    return new RateLimited(retryAfter, `${where}; retry in ${retryAfter} s`, details);
  }
  if (code === 'invalid_grant') return new ReauthRequired('invalid_grant', where, details);
  if (code === 'invalid_token' || code === 'access_denied')
    return new ReauthRequired('token_invalid', where, details);
  if (code === 'temporarily_unavailable' || code === 'server_error' || status >= 500)
    return new Transient(where, details);
  if (status === 401 && code === null) return new ReauthRequired('token_invalid', where, details);
  // invalid_client, unauthorized_client, invalid_request, invalid_scope: our configuration or a
  // protocol mismatch; a new authorisation would not help.
  return new ProtocolViolation(where, { ...details, body: details.body ?? '' });
}

/**
 * undici reports refused or reset connections as `TypeError("fetch failed")` with a coded cause,
 * and a body cut off as `TypeError("terminated")`. openid-client rethrows them as they are, or
 * wraps one from another realm in `ClientError("something went wrong")`, hence the cause walk.
 */
function transportFailure(err: unknown): { message: string } | null {
  for (let e: unknown = err, depth = 0; isErrorLike(e) && depth < 3; e = e.cause, depth++) {
    if (e.name === 'TypeError' && (e.message === 'fetch failed' || e.message === 'terminated')) return e;
    if (e.name === 'TimeoutError' || e.name === 'AbortError')
      return { message: 'no answer within the timeout' };
  }
  return null;
}

/** Duck-typed for the same cross-realm reason as {@link isErrorLike}. */
function isResponseLike(value: unknown): value is Response {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Response).status === 'number' &&
    typeof (value as Response).text === 'function' &&
    typeof (value as Response).headers?.get === 'function'
  );
}

async function readText(res: Response): Promise<string> {
  try {
    return res.bodyUsed ? '' : await res.text();
  } catch {
    return '';
  }
}

async function readJsonObject(res: Response): Promise<Record<string, unknown> | null> {
  return parseObject(await readText(res));
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const json: unknown = JSON.parse(text);
    return typeof json === 'object' && json !== null && !Array.isArray(json)
      ? (json as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
