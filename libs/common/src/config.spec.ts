import {
  ConfigError,
  PUBLIC_DEMO_API_KEY,
  loadApiConfig,
  loadWorkerConfig,
  loadCommonConfig,
  providerConcurrency,
  providerTokenRefresh,
  providersRefreshingAtSync,
} from './config.js';
import { makeSigningCertificates, type TestSigningCertificates } from '#testing/certificates.js';

describe('config', () => {
  it('fills every variable with its documented default', () => {
    const sut = loadApiConfig({ NODE_ENV: 'development' });
    expect(sut.HISOB_API_PORT).toBe(3000);
    expect(sut.HISOB_RETENTION_DAYS).toBe(30);
    expect(sut.ALIF_MOBI_ISSUER_URL).toBe('http://127.0.0.1:4010');
  });

  it('reports every invalid variable at once', () => {
    let caught: unknown;
    try {
      loadApiConfig({
        NODE_ENV: 'development',
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

  it('treats an unset NODE_ENV as production', () => {
    expect(() => loadApiConfig({})).toThrow(ConfigError);
    expect(loadApiConfig({ NODE_ENV: 'development' }).HISOB_DEMO_API_KEY).toBe(PUBLIC_DEMO_API_KEY);
    expect(loadApiConfig({ NODE_ENV: 'development' }).HISOB_ALLOW_PRIVATE_WEBHOOKS).toBe(false);
  });

  it('refuses every production hazard in one message, with the invalid variables', () => {
    let caught: unknown;
    try {
      loadApiConfig({
        HISOB_DEMO_API_KEY: PUBLIC_DEMO_API_KEY,
        HISOB_ALLOW_PRIVATE_WEBHOOKS: 'true',
        HISOB_API_PORT: 'eighty',
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect(Object.keys((caught as ConfigError).problems).sort()).toEqual([
      'HISOB_ADMIN_TOKEN',
      'HISOB_ALLOW_PRIVATE_WEBHOOKS',
      'HISOB_API_PORT',
      'HISOB_DEMO_API_KEY',
      'HISOB_ENCRYPTION_KEY',
    ]);
    expect((caught as ConfigError).message.split('\n')).toHaveLength(6);
  });

  it('has no demo key in production unless one is given', () => {
    const sut = loadApiConfig({
      NODE_ENV: 'production',
      HISOB_ADMIN_TOKEN: 'a-real-admin-token-0123456789',
      HISOB_ENCRYPTION_KEY: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    });
    expect(sut.HISOB_DEMO_API_KEY).toBe('');
    expect(sut.HISOB_ALLOW_PRIVATE_WEBHOOKS).toBe(false);
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

  it('refuses the test crash hook in production, and leaves it inert by default', () => {
    const prod = {
      NODE_ENV: 'production',
      HISOB_ENCRYPTION_KEY: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    };
    expect(() => loadWorkerConfig({ ...prod, HISOB_TEST_CRASH_AT: 'page-tx:1' })).toThrow(
      /HISOB_TEST_CRASH_AT/,
    );
    expect(loadWorkerConfig(prod).HISOB_TEST_CRASH_AT).toBe('');
  });

  it("caps each provider's concurrent syncs by its own variable, never above the worker's", () => {
    const base = { NODE_ENV: 'test', HISOB_WORKER_CONCURRENCY: '6' };
    expect(providerConcurrency(loadWorkerConfig(base), 'alif-mobi')).toBe(6);
    const capped = loadWorkerConfig({ ...base, HISOB_WORKER_CONCURRENCY_ALIF_MOBI: '2' });
    expect(providerConcurrency(capped, 'alif-mobi')).toBe(2);
    expect(providerConcurrency(capped, 'alif-shop')).toBe(6);
    expect(
      providerConcurrency(
        loadWorkerConfig({ ...base, HISOB_WORKER_CONCURRENCY_ALIF_SHOP: '9' }),
        'alif-shop',
      ),
    ).toBe(6);
    expect(() => loadWorkerConfig({ ...base, HISOB_WORKER_CONCURRENCY_ALIF_MOBI: 'two' })).toThrow(
      /HISOB_WORKER_CONCURRENCY_ALIF_MOBI/,
    );
  });

  it("takes each provider's token refresh policy, `ahead` unless set, and refuses any other value at boot", () => {
    const base = { NODE_ENV: 'test' };
    const defaults = loadWorkerConfig(base);
    expect(providerTokenRefresh(defaults, 'alif-mobi')).toBe('ahead');
    expect(providersRefreshingAtSync(defaults)).toEqual([]);
    const lazy = { ...base, HISOB_TOKEN_REFRESH_ALIF_MOBI: 'at_sync' };
    // The API schedules the first refresh, the worker the others: both read the policy.
    for (const config of [loadWorkerConfig(lazy), loadApiConfig(lazy), loadCommonConfig(lazy)]) {
      expect(providerTokenRefresh(config, 'alif-mobi')).toBe('at_sync');
      expect(providerTokenRefresh(config, 'alif-shop')).toBe('ahead');
      expect(providersRefreshingAtSync(config)).toEqual(['alif-mobi']);
    }
    for (const load of [loadWorkerConfig, loadApiConfig]) {
      for (const bad of ['lazy', 'AT_SYNC', '', 'ahead,at_sync']) {
        let caught: unknown;
        try {
          load({ ...base, HISOB_TOKEN_REFRESH_ALIF_SHOP: bad, HISOB_API_PORT: 'eighty' });
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeInstanceOf(ConfigError);
        // Reported with the other invalid variables, naming the accepted values.
        const problems = (caught as ConfigError).problems;
        expect(Object.keys(problems)).toContain('HISOB_TOKEN_REFRESH_ALIF_SHOP');
        expect(problems.HISOB_TOKEN_REFRESH_ALIF_SHOP).toMatch(/'ahead'.*'at_sync'/);
      }
    }
  });

  it('takes the sync cadence in minutes, fractions included, refusing zero, negatives and below a second', () => {
    expect(loadWorkerConfig({ NODE_ENV: 'test' }).HISOB_SYNC_INTERVAL_MINUTES).toBe(360);
    // An accelerated cadence for the fleet simulation: 30 s, 1 s.
    expect(
      loadWorkerConfig({ NODE_ENV: 'test', HISOB_SYNC_INTERVAL_MINUTES: '0.5' }).HISOB_SYNC_INTERVAL_MINUTES,
    ).toBe(0.5);
    expect(
      loadWorkerConfig({ NODE_ENV: 'development', HISOB_SYNC_INTERVAL_MINUTES: String(1 / 60) })
        .HISOB_SYNC_INTERVAL_MINUTES,
    ).toBeCloseTo(1 / 60, 12);
    for (const bad of ['0', '-5', '0.01', 'soon'])
      expect(() => loadWorkerConfig({ NODE_ENV: 'test', HISOB_SYNC_INTERVAL_MINUTES: bad })).toThrow(
        /HISOB_SYNC_INTERVAL_MINUTES/,
      );
  });

  it('keeps finished syncs 30 days by default, 0 meaning for ever, and takes only whole days', () => {
    expect(loadWorkerConfig({ NODE_ENV: 'test' }).HISOB_SYNC_HISTORY_DAYS).toBe(30);
    expect(loadWorkerConfig({ NODE_ENV: 'test', HISOB_SYNC_HISTORY_DAYS: '0' }).HISOB_SYNC_HISTORY_DAYS).toBe(
      0,
    );
    expect(loadWorkerConfig({ NODE_ENV: 'test', HISOB_SYNC_HISTORY_DAYS: '7' }).HISOB_SYNC_HISTORY_DAYS).toBe(
      7,
    );
    // Under a day, a sync would go while its webhooks and its Idempotency-Key replay still name it.
    for (const bad of ['-1', '0.5', '1e3', '', 'a month'])
      expect(() => loadWorkerConfig({ NODE_ENV: 'test', HISOB_SYNC_HISTORY_DAYS: bad })).toThrow(
        /HISOB_SYNC_HISTORY_DAYS/,
      );
  });

  it('refuses a cadence under a minute in production', () => {
    const prod = {
      NODE_ENV: 'production',
      HISOB_ENCRYPTION_KEY: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    };
    let caught: unknown;
    try {
      loadWorkerConfig({ ...prod, HISOB_SYNC_INTERVAL_MINUTES: '0.5' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect(Object.keys((caught as ConfigError).problems)).toEqual(['HISOB_SYNC_INTERVAL_MINUTES']);
    expect(loadWorkerConfig({ ...prod, HISOB_SYNC_INTERVAL_MINUTES: '1' }).HISOB_SYNC_INTERVAL_MINUTES).toBe(
      1,
    );
    expect(loadWorkerConfig({ ...prod, HISOB_SYNC_INTERVAL_MINUTES: '15' }).HISOB_SYNC_INTERVAL_MINUTES).toBe(
      15,
    );
  });
});

/** A provider's variables checked together at boot: AccessBank's request-signing key and certificate. */
describe('ACCESSBANK_SIGNING_KEY and ACCESSBANK_SIGNING_CERT at boot', () => {
  let certs: TestSigningCertificates;
  beforeAll(() => {
    certs = makeSigningCertificates();
  }, 30_000);
  afterAll(() => certs?.remove());
  const boot = (env: Record<string, string>): Record<string, string> => {
    try {
      loadWorkerConfig({ NODE_ENV: 'test', ...env });
      return {};
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return err.problems;
    }
  };

  it('are accepted together (inline PEM or paths), or both absent', () => {
    expect(boot({})).toEqual({});
    expect(boot({ ACCESSBANK_SIGNING_KEY: certs.keyPath, ACCESSBANK_SIGNING_CERT: certs.certPath })).toEqual(
      {},
    );
    expect(boot({ ACCESSBANK_SIGNING_KEY: certs.keyPem, ACCESSBANK_SIGNING_CERT: certs.certPem })).toEqual(
      {},
    );
  });

  it('are a boot-time problem alone, mismatched or unreadable, and the key is never quoted', () => {
    expect(Object.keys(boot({ ACCESSBANK_SIGNING_KEY: certs.keyPem }))).toEqual(['ACCESSBANK_SIGNING_CERT']);
    expect(Object.keys(boot({ ACCESSBANK_SIGNING_CERT: certs.certPath }))).toEqual([
      'ACCESSBANK_SIGNING_KEY',
    ]);
    const mismatch = boot({
      ACCESSBANK_SIGNING_KEY: certs.strangerKeyPem,
      ACCESSBANK_SIGNING_CERT: certs.certPem,
    });
    expect(mismatch.ACCESSBANK_SIGNING_KEY).toMatch(
      /does not match the public key of the certificate in ACCESSBANK_SIGNING_CERT/,
    );
    // A key pasted without its armour is taken for a path: the message still does not quote it.
    const body = certs.keyPem.replace(/-----[A-Z ]+-----|\s/g, '');
    const unarmoured = boot({ ACCESSBANK_SIGNING_KEY: body, ACCESSBANK_SIGNING_CERT: certs.certPem });
    expect(unarmoured.ACCESSBANK_SIGNING_KEY).toMatch(/neither PEM text nor a readable PEM file/);
    for (const problems of [mismatch, unarmoured]) {
      const text = JSON.stringify(problems);
      expect(text).not.toContain(body.slice(0, 24));
      expect(text).not.toContain(certs.strangerKeyPem.slice(30, 60));
    }
  });

  it('the mutual-TLS pair likewise: together or neither, readable, the key never quoted', () => {
    expect(boot({ ACCESSBANK_TLS_CERT: certs.certPath, ACCESSBANK_TLS_KEY: certs.keyPath })).toEqual({});
    expect(Object.keys(boot({ ACCESSBANK_TLS_CERT: certs.certPem }))).toEqual(['ACCESSBANK_TLS_KEY']);
    const body = certs.keyPem.replace(/-----[A-Z ]+-----|\s/g, '');
    const unarmoured = boot({ ACCESSBANK_TLS_CERT: certs.certPem, ACCESSBANK_TLS_KEY: body });
    expect(unarmoured).toEqual({
      ACCESSBANK_TLS_KEY: expect.stringMatching(/neither PEM text nor a readable/),
    });
    expect(JSON.stringify(unarmoured)).not.toContain(body.slice(0, 24));
  });
});
