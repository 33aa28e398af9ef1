import { ConfigError, DEFAULTS, mergeRaw, readEnv, resolveConfig } from './config.js';

describe('AccessBank sandbox configuration', () => {
  it('has the documented defaults', () => {
    expect(resolveConfig({})).toEqual(DEFAULTS);
    expect(DEFAULTS).toMatchObject({
      port: 4030,
      seed: 42,
      otp: '123456',
      pageSize: 50,
      maxFrequencyPerDay: 4,
    });
  });

  it('reports every problem at once', () => {
    let err: unknown;
    try {
      resolveConfig({
        port: 70000,
        seed: -1,
        size: 'huge',
        anchorDate: '2026-02-30',
        otp: '12',
        pageSize: 0,
        publicUrl: 'ftp://x/y',
        multipleConsents: 'maybe',
        requireSignature: 'sometimes',
        logLevel: 'loud',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toHaveLength(10);
  });

  it('reads the environment under SANDBOX_ACCESSBANK_*, and flags override it', () => {
    const env = readEnv({ SANDBOX_ACCESSBANK_PORT: '5000', SANDBOX_ACCESSBANK_SEED: '7', OTHER: 'x' });
    expect(env).toEqual({ port: '5000', seed: '7' });
    const cfg = resolveConfig(mergeRaw(env, { port: '6000', size: 'medium', anchorDate: 'live' }));
    expect(cfg).toMatchObject({
      port: 6000,
      seed: 7,
      size: 100_000,
      sizeLabel: 'medium',
      anchorDate: undefined,
    });
  });
});
