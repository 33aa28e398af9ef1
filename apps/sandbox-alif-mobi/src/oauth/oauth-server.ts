/**
 * The OAuth 2.0 / OpenID Connect authorisation server, built on `oidc-provider` (a certified
 * implementation): discovery, authorization_code with PKCE S256 required, refresh_token, RFC 7009
 * revocation, client_secret_basic. Tokens are opaque and kept in this instance's store, so the OBP
 * resources validate a bearer token by looking it up (research notes §1.2, OAuth2 introspection).
 *
 * Deliberate choices (see README):
 * - access tokens live 3600 s (the seed's figure); refresh tokens 90 days;
 * - a refresh token is issued only with `offline_access` and is ROTATED on every use: the old one
 *   stops working, and presenting a consumed one again revokes the whole grant (reuse detection);
 * - revoking a refresh token revokes its grant, access tokens included;
 * - token-endpoint `invalid_grant` is answered with HTTP 401 (not oidc-provider's 400), as the
 *   seed shows: 401 {"error":"invalid_grant", ...};
 * - every authorisation performs SCA again (no silent re-use of a browser session).
 */
import { generateKeyPair, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Provider as ProviderType } from 'oidc-provider';

import type { OAuthClientConfig } from '../config.js';
import type { TokenInfo, TokenVerifier } from '../obp/obp-api.js';
import type { UserDef } from '../seed/catalog.js';
import type { Logger } from '../logger.js';
import { OidcStore } from './memory-adapter.js';
import { InteractionPages } from './interactions.js';
import { errorPage } from './pages.js';
import { sendJson } from '../http/http-util.js';
import { DEFAULT_SCOPES, HYDRA_SCOPES, permissionsOf, type ScopeScheme } from './scopes.js';

export const ACCESS_TOKEN_TTL = 3600;
/** Token-endpoint client authentication methods enforced per client (default client_secret_basic). */
export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];
export const REFRESH_TOKEN_TTL = 90 * 24 * 3600;
export const TOKEN_PATH = '/token';
/** Endpoints where a client authenticates. */
const CLIENT_AUTH_PATHS = new Set([TOKEN_PATH, '/token/revocation', '/token/introspection']);
export const AUTH_PATH = '/auth';

type OidcModule = typeof import('oidc-provider');

let oidcModule: Promise<OidcModule> | undefined;

/**
 * oidc-provider v9 prints "Unsupported runtime" once at import on Node 20 (it recommends 22, and
 * runs on >= 20.19, the project's runtime). That single line is filtered; every other warning
 * passes through.
 */
/* eslint-disable no-console -- muting one known line a dependency prints at import; nothing is logged here */
function loadOidcProvider(): Promise<OidcModule> {
  oidcModule ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('Unsupported runtime')) return;
      warn(...args);
    };
    try {
      return await import('oidc-provider');
    } finally {
      console.warn = warn;
    }
  })();
  return oidcModule;
}
/* eslint-enable no-console */

let signingKey: Promise<Record<string, unknown>> | undefined;

/** One RS256 signing key per process (ID tokens only; access tokens are opaque). */
function getSigningKey(): Promise<Record<string, unknown>> {
  signingKey ??= promisify(generateKeyPair)('rsa', { modulusLength: 2048 }).then(({ privateKey }) => ({
    ...(privateKey.export({ format: 'jwk' }) as Record<string, unknown>),
    kid: `sandbox-${randomBytes(4).toString('hex')}`,
    use: 'sig',
    alg: 'RS256',
  }));
  return signingKey;
}

export interface OAuthServerOptions {
  issuer: string;
  clients: OAuthClientConfig[];
  users: readonly UserDef[];
  otp: string;
  logger: Logger;
  /** Access-token lifetime in seconds (default 3600). */
  accessTokenTtlS?: number;
  /** Profile `hydra-scopes`: OBP/Hydra scope names instead of the permission names. */
  hydraScopes?: boolean;
}

interface OidcCtx {
  oidc: {
    result?: { consent?: { grantId?: string } };
    provider: ProviderType;
  };
}

export class OAuthServer implements TokenVerifier {
  readonly store = new OidcStore();
  private provider!: ProviderType;
  private interactions!: InteractionPages;
  private callback!: (req: IncomingMessage, res: ServerResponse) => void;
  private readonly clientNames = new Map<string, string>();
  readonly scopes: ScopeScheme;
  readonly accessTokenTtlS: number;

  private constructor(private readonly opts: OAuthServerOptions) {
    this.scopes = opts.hydraScopes ? HYDRA_SCOPES : DEFAULT_SCOPES;
    this.accessTokenTtlS = opts.accessTokenTtlS ?? ACCESS_TOKEN_TTL;
  }

  static async create(opts: OAuthServerOptions): Promise<OAuthServer> {
    const server = new OAuthServer(opts);
    await server.init();
    return server;
  }

  private async init(): Promise<void> {
    const { Provider, interactionPolicy } = await loadOidcProvider();
    const { users, logger } = this.opts;
    const offline = this.scopes.offline;
    const usersById = new Map(users.map((u) => [u.id, u]));

    const policy = interactionPolicy.base();
    // SCA on every authorisation: a browser session never skips the password + OTP steps.
    policy
      .get('login')
      ?.checks.add(
        new interactionPolicy.Check(
          'sca_required',
          'strong customer authentication is required for every authorisation',
          (ctx) =>
            ctx.oidc.result?.login
              ? interactionPolicy.Check.NO_NEED_TO_PROMPT
              : interactionPolicy.Check.REQUEST_PROMPT,
        ),
      );

    const configuration: Record<string, unknown> = {
      adapter: this.store.adapterClass(),
      clients: [],
      jwks: { keys: [await getSigningKey()] },
      cookies: { keys: [randomBytes(32).toString('hex')] },
      scopes: [...this.scopes.scopes],
      claims: { openid: ['sub', 'acr', 'amr'] },
      responseTypes: ['code'],
      clientAuthMethods: CLIENT_AUTH_METHODS,
      clientDefaults: {
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'RS256',
      },
      // PKCE is mandatory for every client; oidc-provider v9 accepts only S256.
      pkce: { required: () => true },
      features: {
        devInteractions: { enabled: false },
        revocation: {
          enabled: true,
          allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId?: string }) =>
            token.clientId === client.clientId,
        },
        introspection: {
          enabled: true,
          allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId?: string }) =>
            token.clientId === client.clientId,
        },
        resourceIndicators: { enabled: false },
        rpInitiatedLogout: { enabled: false },
        userinfo: { enabled: true },
      },
      ttl: {
        AccessToken: this.accessTokenTtlS,
        AuthorizationCode: 60,
        IdToken: ACCESS_TOKEN_TTL,
        RefreshToken: REFRESH_TOKEN_TTL,
        Grant: REFRESH_TOKEN_TTL,
        Interaction: 3600,
        Session: 3600,
      },
      issueRefreshToken: async (
        _ctx: unknown,
        client: { grantTypeAllowed(t: string): boolean },
        code: { scopes: Set<string> },
      ) => client.grantTypeAllowed('refresh_token') && code.scopes.has(offline),
      rotateRefreshToken: () => true,
      expiresWithSession: async (_ctx: unknown, code: { scopes: Set<string> }) => !code.scopes.has(offline),
      // Consent is never silently re-used: only the grant the interaction just created applies.
      loadExistingGrant: async (ctx: OidcCtx) => {
        const grantId = ctx.oidc.result?.consent?.grantId;
        return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
      },
      interactions: {
        url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
        policy,
      },
      findAccount: async (_ctx: unknown, sub: string) => {
        if (!usersById.has(sub)) return undefined;
        return { accountId: sub, claims: async () => ({ sub }) };
      },
      renderError: async (ctx: { type: string; body: unknown }, out: Record<string, string>) => {
        ctx.type = 'html';
        ctx.body = errorPage('Authorisation error', out);
      },
      clientBasedCORS: () => true,
      allowOmittingSingleRegisteredRedirectUri: false,
    };

    const provider = new Provider(this.opts.issuer, configuration);
    provider.on('server_error', (_ctx: unknown, err: unknown) =>
      logger.error({ err }, 'oidc-provider server error'),
    );
    provider.on('grant.error', (_ctx: unknown, err: unknown) =>
      logger.debug({ err: (err as Error)?.message }, 'token endpoint error'),
    );

    // OIDC Core §11 lets a server drop offline_access unless prompt=consent, and oidc-provider
    // does. This server shows the consent screen on every authorisation anyway, so a request for
    // offline_access without a prompt is read as prompt=consent (as Keycloak-style servers do).
    provider.use(async (ctx, next) => {
      if (ctx.path === AUTH_PATH && ctx.method === 'GET') {
        const query = new URLSearchParams(ctx.querystring);
        if (query.get('scope')?.split(' ').includes(offline) && !query.has('prompt')) {
          query.set('prompt', 'consent');
          ctx.querystring = query.toString();
        }
      }
      await next();
    });

    // The seed answers bad, expired or revoked codes and refresh tokens with 401, not RFC 6749's 400.
    provider.use(async (ctx, next) => {
      await next();
      const body = ctx.body as { error?: string } | undefined;
      if (ctx.path === TOKEN_PATH && ctx.status === 400 && body?.error === 'invalid_grant') ctx.status = 401;
    });

    this.provider = provider;
    this.callback = provider.callback();
    this.interactions = new InteractionPages({
      provider,
      users,
      otp: this.opts.otp,
      logger,
      scopes: this.scopes,
      clientName: (id) => this.clientNames.get(id) ?? id,
    });
    for (const c of this.opts.clients) await this.addClient(c);
  }

  /** Adds or replaces a client (`POST /__sandbox/clients`). Throws on invalid metadata. */
  async addClient(c: OAuthClientConfig): Promise<void> {
    const method = c.tokenEndpointAuthMethod ?? 'client_secret_basic';
    const metadata: Record<string, unknown> = {
      client_id: c.clientId,
      client_name: c.clientName ?? c.clientId,
      redirect_uris: [...c.redirectUris],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: method,
    };
    if (c.clientSecret !== undefined) metadata.client_secret = c.clientSecret;
    if (c.jwks) metadata.jwks = { keys: c.jwks.keys.map((k) => ({ ...k })) };
    await this.provider.Client.validate(metadata);
    this.store.clients.set(c.clientId, metadata);
    this.clientNames.set(c.clientId, c.clientName ?? c.clientId);
  }

  listClients(): Array<{
    client_id: string;
    client_name: string;
    redirect_uris: string[];
    token_endpoint_auth_method: string;
  }> {
    return [...this.store.clients.values()].map((m) => ({
      client_id: String(m.client_id),
      client_name: String(m.client_name),
      redirect_uris: m.redirect_uris as string[],
      token_endpoint_auth_method: String(m.token_endpoint_auth_method),
    }));
  }

  /** Serves the OAuth endpoints and the interaction pages. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (url.pathname.startsWith('/interaction/') && (await this.interactions.handle(req, res, url))) return;
    if (
      req.method === 'POST' &&
      CLIENT_AUTH_PATHS.has(url.pathname) &&
      !(await this.checkAuthMethod(req, res))
    )
      return;
    this.callback(req, res);
  }

  /**
   * oidc-provider treats client_secret_basic and client_secret_post as one method (a secret is a
   * secret); a real authorisation server enforces the registered method. This reads the form body,
   * answers 401 invalid_client when a secret arrives by the other route, and otherwise hands the
   * same bytes on to oidc-provider. Returns false when it has answered.
   */
  private async checkAuthMethod(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    let body: Buffer;
    try {
      body = await readRaw(req, 56 * 1024);
    } catch {
      sendJson(res, 413, { error: 'invalid_request', error_description: 'request body too large' });
      return false;
    }
    replayBody(req, body);
    if (!/application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) return true;
    const form = new URLSearchParams(body.toString('utf8'));
    const basic = /^basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    let clientId = form.get('client_id') ?? undefined;
    let presented: string | undefined;
    if (form.has('client_assertion')) presented = 'jwt';
    else if (form.has('client_secret')) presented = 'client_secret_post';
    else if (basic) {
      presented = 'client_secret_basic';
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i > 0) {
        try {
          clientId = decodeURIComponent(decoded.slice(0, i).replace(/\+/g, '%20'));
        } catch {
          return true; // oidc-provider answers the malformed header itself
        }
      }
    }
    const registered = clientId === undefined ? undefined : this.store.clients.get(clientId);
    const method = registered?.token_endpoint_auth_method;
    if (!presented || presented === 'jwt' || !method || method === presented) return true;
    this.opts.logger.debug(
      { client_id: clientId, presented, registered: method },
      'client auth method refused',
    );
    sendJson(res, 401, {
      error: 'invalid_client',
      error_description: 'client authentication failed',
    });
    return false;
  }

  /**
   * Looks a bearer token up: its user and the permissions its scopes grant, `'expired'` for a
   * token this server issued whose lifetime has passed, undefined for an unknown or revoked one.
   * (Expired access tokens stay in the store for a day so that they can be told apart.)
   */
  async verify(token: string): Promise<TokenInfo | 'expired' | undefined> {
    const at = await this.provider.AccessToken.find(token, { ignoreExpiration: true });
    if (!at) return undefined;
    if (at.isExpired) return 'expired';
    return { accountId: at.accountId, clientId: at.clientId, scopes: permissionsOf(at.scopes, this.scopes) };
  }
}

async function readRaw(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Makes an already consumed request readable again with the same bytes, for oidc-provider's body
 * parser (which reads `req.iterator()` while `req.readable` is true).
 */
function replayBody(req: IncomingMessage, body: Buffer): void {
  Object.defineProperty(req, 'readable', { value: true, configurable: true });
  Object.defineProperty(req, 'iterator', {
    configurable: true,
    value: () => Readable.from([body]).iterator({ destroyOnReturn: false }),
  });
}
