import { ConfigError, ENV, mergeRaw, readEnv, resolveConfig } from './config.js';

describe('Alif Shop sandbox configuration', () => {
  it('has the documented defaults', () => {
    expect(resolveConfig({})).toEqual({
      port: 4020,
      host: '127.0.0.1',
      seed: 42,
      size: 1,
      sizeLabel: 'small',
      anchorDate: undefined,
      otp: '123456',
      otpTtlS: 300,
      otpAttempts: 3,
      accessTokenTtlS: 1800,
      refreshTokenTtlS: 2_592_000,
      maxPerPage: 50,
      defaultPerPage: 20,
      logLevel: 'info',
    });
  });

  it('understands size presets and multipliers, and "live" for today', () => {
    expect(resolveConfig({ size: 'medium' })).toMatchObject({ size: 10, sizeLabel: 'medium' });
    expect(resolveConfig({ size: '3' })).toMatchObject({ size: 3, sizeLabel: '3' });
    expect(resolveConfig({ anchorDate: 'live' }).anchorDate).toBeUndefined();
    expect(resolveConfig({ anchorDate: '2026-06-30' }).anchorDate).toBe('2026-06-30');
  });

  it('reports every problem at once', () => {
    try {
      resolveConfig({
        port: 'x',
        seed: '-1',
        size: 'huge',
        anchorDate: '2026-02-30',
        otp: '12',
        accessTokenTtlS: 0,
        maxPerPage: 10,
        defaultPerPage: 20,
        logLevel: 'loud',
      });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems).toHaveLength(8);
      expect((e as ConfigError).message).toContain('defaultPerPage (20) must not exceed maxPerPage (10)');
    }
  });

  it('reads the SANDBOX_ALIF_SHOP_* environment, and a flag wins over it', () => {
    const env = readEnv({ [ENV.seed]: '7', [ENV.anchorDate]: '2026-06-30', [ENV.port]: '', OTHER: 'x' });
    expect(env).toEqual({ seed: '7', anchorDate: '2026-06-30' });
    expect(resolveConfig(mergeRaw(env, { seed: '9', port: undefined }))).toMatchObject({
      seed: 9,
      anchorDate: '2026-06-30',
      port: 4020,
    });
  });
});
