import { num, str, url } from 'envalid';
import { defineProvider } from '../provider-definition.js';
import { createAlifMobiConnector } from './alif-mobi.connector.js';
import { parseScopeMap, type TokenEndpointAuth } from './oauth.js';

/**
 * Alif Mobi (Alif Bank, Tajikistan): OBP v5.1.0 behind OAuth 2.0 authorization code + PKCE with
 * SCA. Every deployment difference OBP allows — scopes, views, client authentication at the
 * token endpoint, the bank's time zone — is configuration (docs/providers/alif-mobi.md).
 */
export const alifMobi = defineProvider({
  id: 'alif-mobi',
  name: 'Alif Mobi (Alif Bank)',
  country: 'TJ',
  protocol: 'OBP v5.1.0 + OAuth2 authorization_code with SCA',
  auth: 'redirect',
  capabilities: ['accounts', 'balances', 'transactions', 'cards', 'transfers'],
  config: {
    ALIF_MOBI_ISSUER_URL: url({ default: 'http://127.0.0.1:4010', desc: 'OIDC issuer (discovery)' }),
    ALIF_MOBI_OBP_URL: url({ default: 'http://127.0.0.1:4010/obp/v5.1.0', desc: 'versioned OBP root' }),
    ALIF_MOBI_BANK_ID: str({ default: 'alif.tj' }),
    ALIF_MOBI_CLIENT_ID: str({ default: 'hisob' }),
    ALIF_MOBI_CLIENT_SECRET: str({ default: 'hisob-sandbox-secret' }),
    ALIF_MOBI_TOKEN_AUTH: str<TokenEndpointAuth>({
      choices: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
      default: 'client_secret_basic',
      desc: 'client authentication at the token endpoint',
    }),
    ALIF_MOBI_PRIVATE_KEY: str({
      default: '',
      desc: 'private_key_jwt: the client key as a private JWK (JSON) or PKCS#8 PEM',
    }),
    ALIF_MOBI_SCOPE_BASE: str({
      default: 'openid offline_access',
      desc: 'scopes asked besides the permissions',
    }),
    ALIF_MOBI_SCOPE_MAP: str({
      default: '',
      desc: 'permission=scope pairs, e.g. accounts=ReadAccountsBasic,balances=ReadBalances (unlisted: its own name)',
    }),
    ALIF_MOBI_VIEWS: str({
      default: 'owner',
      desc: 'OBP views to read through, in order of preference; a view /my/accounts lists is used first',
    }),
    ALIF_MOBI_TIME_ZONE: str({
      default: 'Asia/Dushanbe',
      desc: 'IANA zone of the bank: booking dates are its local dates',
    }),
    /** Transactions per OBP page (`limit`): OBP's default is 50 and it sets no maximum. */
    ALIF_MOBI_PAGE_SIZE: num({ default: 1000 }),
  },
  create(config, shared) {
    return createAlifMobiConnector({
      issuerUrl: config.ALIF_MOBI_ISSUER_URL,
      obpUrl: config.ALIF_MOBI_OBP_URL,
      bankId: config.ALIF_MOBI_BANK_ID,
      clientId: config.ALIF_MOBI_CLIENT_ID,
      clientSecret: config.ALIF_MOBI_CLIENT_SECRET,
      tokenEndpointAuth: config.ALIF_MOBI_TOKEN_AUTH,
      privateKey: config.ALIF_MOBI_PRIVATE_KEY || null,
      scopeBase: config.ALIF_MOBI_SCOPE_BASE,
      scopeMap: parseScopeMap(config.ALIF_MOBI_SCOPE_MAP),
      views: config.ALIF_MOBI_VIEWS.split(',')
        .map((v) => v.trim())
        .filter(Boolean),
      bookingTimeZone: config.ALIF_MOBI_TIME_ZONE,
      pageSize: config.ALIF_MOBI_PAGE_SIZE,
      timeoutMs: shared.timeoutMs,
    });
  },
});
