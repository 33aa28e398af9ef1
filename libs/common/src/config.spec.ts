import { ConfigError, loadApiConfig, loadWorkerConfig } from './config.js';

describe('config', () => {
  it('fills every variable with its documented default', () => {
    const sut = loadApiConfig({});
    expect(sut.HISOB_API_PORT).toBe(3000);
    expect(sut.HISOB_RETENTION_DAYS).toBe(30);
    expect(sut.ALIF_MOBI_ISSUER_URL).toBe('http://127.0.0.1:4010');
  });

  it('reports every invalid variable at once', () => {
    let caught: unknown;
    try {
      loadApiConfig({
        DATABASE_URL: 'not a url',
        HISOB_API_PORT: 'eighty',
        HISOB_ENCRYPTION_KEY: 'k1:short',
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect(Object.keys((caught as ConfigError).problems).sort()).toEqual([
      'DATABASE_URL',
      'HISOB_API_PORT',
      'HISOB_ENCRYPTION_KEY',
    ]);
  });

  it('refuses the development secrets in production', () => {
    expect(() => loadApiConfig({ NODE_ENV: 'production' })).toThrow(
      /HISOB_ENCRYPTION_KEY[\s\S]*HISOB_ADMIN_TOKEN|HISOB_ADMIN_TOKEN[\s\S]*HISOB_ENCRYPTION_KEY/,
    );
    expect(() =>
      loadWorkerConfig({
        NODE_ENV: 'production',
        HISOB_ENCRYPTION_KEY: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
      }),
    ).not.toThrow();
  });
});
