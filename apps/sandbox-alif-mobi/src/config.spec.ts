import { ConfigError, DEFAULTS, readEnv, resolveConfig } from './config.js';

describe('sandbox configuration', () => {
  it('has the documented defaults', () => {
    expect(resolveConfig({})).toMatchObject({
      port: 4010,
      host: '127.0.0.1',
      seed: 42,
      bankId: 'alif.tj',
      otp: '123456',
    });
    expect(DEFAULTS.clients[0]).toEqual({
      clientId: 'hisob',
      clientSecret: 'hisob-sandbox-secret',
      redirectUris: [
        'http://localhost:3000/v1/consents/callback',
        'http://127.0.0.1:3000/v1/consents/callback',
      ],
      clientName: 'Hisob',
    });
  });

  it('understands size presets and numbers', () => {
    expect(resolveConfig({ size: 'bench' }).size).toBe(1_000_000);
    expect(resolveConfig({ size: '250_000' })).toMatchObject({ size: 250_000, sizeLabel: '250000' });
  });

  it('reports every problem at once', () => {
    try {
      resolveConfig({ port: 'x', seed: '-1', size: 'huge', anchorDate: '2026-02-30', redirectUris: 'nope' });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems).toHaveLength(5);
    }
  });

  it('reads the SANDBOX_ALIF_MOBI_* environment', () => {
    const raw = readEnv({
      SANDBOX_ALIF_MOBI_SEED: '7',
      SANDBOX_ALIF_MOBI_REDIRECT_URIS: 'http://127.0.0.1:9/cb,http://localhost:9/cb',
      SANDBOX_ALIF_MOBI_PORT: '',
    });
    const cfg = resolveConfig(raw);
    expect(cfg.seed).toBe(7);
    expect(cfg.port).toBe(4010);
    expect(cfg.clients[0]!.redirectUris).toEqual(['http://127.0.0.1:9/cb', 'http://localhost:9/cb']);
  });

  it('resolves profiles, their defaults and the live clock', () => {
    const plain = resolveConfig({});
    expect(plain).toMatchObject({
      anchorDate: undefined,
      profiles: [],
      maxPageSize: undefined,
      accessTokenTtlS: 3600,
    });
    expect(resolveConfig({ anchorDate: 'live' }).anchorDate).toBeUndefined();
    const strict = resolveConfig({ profiles: 'strict' });
    expect(strict.profiles).toHaveLength(8);
    expect(strict).toMatchObject({ maxPageSize: 25, accessTokenTtlS: 20, strictPagingSource: true });
    expect(resolveConfig({ profiles: ['page-cap'], maxPageSize: 10, accessTokenTtlS: '5' })).toMatchObject({
      profiles: ['page-cap'],
      maxPageSize: 10,
      accessTokenTtlS: 5,
    });
    const env = resolveConfig(
      readEnv({ SANDBOX_ALIF_MOBI_PROFILE: 'nginx, opening-booked', SANDBOX_ALIF_MOBI_TODAY: '2026-06-30' }),
    );
    expect(env).toMatchObject({ profiles: ['opening-booked', 'nginx'], anchorDate: '2026-06-30' });
    expect(() => resolveConfig({ profiles: 'strict,bogus' })).toThrow(/unknown profile "bogus"/);
  });

  it('validates the static client auth method', () => {
    const jwks = { keys: [{ kty: 'RSA', n: 'AQAB', e: 'AQAB' }] };
    const cfg = resolveConfig({ clientAuthMethod: 'private_key_jwt', clientJwks: JSON.stringify(jwks) });
    expect(cfg.clients[0]).toMatchObject({ tokenEndpointAuthMethod: 'private_key_jwt', jwks });
    expect(cfg.clients[0]!.clientSecret).toBeUndefined();
    expect(() => resolveConfig({ clientAuthMethod: 'private_key_jwt' })).toThrow(/jwks/);
    expect(() => resolveConfig({ clientAuthMethod: 'tls_client_auth' })).toThrow(
      /token_endpoint_auth_method/,
    );
  });
});
