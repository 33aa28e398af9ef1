import {
  AuthorizationResponseError,
  ClientError,
  ClientSecretBasic,
  ClientSecretPost,
  PrivateKeyJwt,
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
  type ClientAuth,
  type Configuration,
  type TokenEndpointResponse,
} from 'openid-client';
import { createPrivateKey, webcrypto } from 'node:crypto';
import { CAPABILITIES, bankReads, type Capability } from '#domain/permissions.js';
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
  /** How the client authenticates at the token endpoint; default `client_secret_basic`. */
  readonly tokenEndpointAuth?: TokenEndpointAuth;
  /** For `private_key_jwt`: a private JWK (JSON text) or a PKCS#8 PEM. */
  readonly privateKey?: string | null;
  /** Scopes asked besides the permissions; default `openid offline_access`. */
  readonly scopeBase?: string;
  /** The bank's scope names for each capability (default: the capability's own name). */
  readonly scopeMap?: ScopeMap;
}

/** Client authentication methods at the token endpoint (RFC 7591 `token_endpoint_auth_method`). */
export type TokenEndpointAuth = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** The bank's scope names per capability: OBP/Hydra deployments use names such as `ReadBalances`. */
export type ScopeMap = Readonly<Partial<Record<Capability, readonly string[]>>>;

/**
 * Reads `accounts=ReadAccountsBasic ReadAccountsDetail,balances=ReadBalances`: comma-separated
 * pairs, several scopes of one capability separated by spaces.
 *
 * @throws {TypeError} naming the bad pair.
 */
export function parseScopeMap(text: string): ScopeMap {
  const map: Partial<Record<Capability, readonly string[]>> = {};
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([a-z]+)\s*=\s*(\S.*)$/.exec(pair);
    const capability = m?.[1] as Capability | undefined;
    if (!m || !capability || !(CAPABILITIES as readonly string[]).includes(capability)) {
      throw new TypeError(`scope map entry ${JSON.stringify(pair)} is not <capability>=<scope …>`);
    }
    map[capability] = m[2]!.split(/\s+/);
  }
  return map;
}

/** What the caller stores between the redirect and the callback (kept opaque in the contract). */
export interface PendingOAuth {
  readonly state: string;
  readonly codeVerifier: string;
  readonly redirectUri: string;
}

const PROVIDER = 'alif-mobi' as const;

/**
 * The scope for the permissions asked: the base scopes (OIDC, a refresh token), then the bank's
 * scope for each capability the permissions read. OBP has no statement resource: Hisob computes
 * a statement from the history, anchored on a balance, so `statements` asks for `transactions`
 * and `balances` (the API then serves the statements, not the list or the balances).
 */
export function scopeFor(
  permissions: readonly Permission[],
  base = 'openid offline_access',
  map: ScopeMap = {},
): string {
  const scopes = [
    ...base.split(/\s+/).filter(Boolean),
    ...bankReads(permissions).flatMap((c) => map[c] ?? [c]),
  ];
  return [...new Set(scopes)].join(' ');
}

/** The default scope (`openid offline_access` plus the capabilities' own names). */
export const defaultScope = (permissions: readonly Permission[]): string => scopeFor(permissions);

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
    const scope = scopeFor(permissions, this.config.scopeBase, this.config.scopeMap);
    const params: Record<string, string> = {
      redirect_uri: redirectUri,
      scope,
      state,
      code_challenge: await calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    };
    // OIDC Core §11: a refresh token for offline_access needs prompt=consent (oidc-provider
    // drops offline_access otherwise).
    if (scope.split(' ').some((s) => s === 'offline_access' || s === 'offline')) params.prompt = 'consent';
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
      this.configuration = clientAuth(this.config)
        .then((auth) =>
          discovery(issuer, this.config.clientId, undefined, auth, {
            timeout: Math.max(1, Math.ceil(this.config.timeoutMs / 1000)),
            // Plain http only for local sandboxes; production issuers are https.
            ...(issuer.protocol === 'http:' ? { execute: [allowInsecureRequests] } : {}),
          }),
        )
        .catch(async (err: unknown) => {
          this.configuration = null;
          throw await mapOAuthError(err, 'OIDC discovery');
        });
    }
    return this.configuration;
  }
}

/** The token-endpoint authentication this deployment's registration uses. */
async function clientAuth(config: AlifMobiOAuthConfig): Promise<ClientAuth> {
  switch (config.tokenEndpointAuth ?? 'client_secret_basic') {
    case 'client_secret_basic':
      return ClientSecretBasic(config.clientSecret);
    case 'client_secret_post':
      return ClientSecretPost(config.clientSecret);
    case 'private_key_jwt': {
      if (!config.privateKey) throw new TypeError('private_key_jwt needs ALIF_MOBI_PRIVATE_KEY');
      const { key, kid } = await importSigningKey(config.privateKey);
      return PrivateKeyJwt(kid ? { key, kid } : key);
    }
  }
}

/** A private JWK (JSON) or PKCS#8 PEM as a WebCrypto signing key (RS256 or ES256), with its `kid`. */
async function importSigningKey(text: string): Promise<{ key: SigningKey; kid: string | undefined }> {
  const jwk = (
    text.trim().startsWith('{') ? JSON.parse(text) : createPrivateKey(text).export({ format: 'jwk' })
  ) as webcrypto.JsonWebKey & { kid?: string };
  const algorithm =
    jwk.kty === 'EC'
      ? { name: 'ECDSA', namedCurve: jwk.crv ?? 'P-256' }
      : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const key = await webcrypto.subtle.importKey('jwk', jwk, algorithm, false, ['sign']);
  return { key: key as unknown as SigningKey, kid: jwk.kid };
}

/** openid-client's signing key type (WebCrypto's CryptoKey). */
type SigningKey = Extract<Parameters<typeof PrivateKeyJwt>[0], { kid?: string }>['key'];

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
