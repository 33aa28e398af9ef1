import { ConfigError, DEFAULTS, mergeRaw, readEnv, resolveConfig } from './config.js';

describe('resolveConfig', () => {
  it('defaults to bePaid’s 14-second budget on port 4040', () => {
    expect(resolveConfig({})).toEqual(DEFAULTS);
    expect(DEFAULTS.verificationTimeoutMs).toBe(14_000);
    expect(DEFAULTS.port).toBe(4040);
  });

  it('reads flags and environment, the flag winning', () => {
    const env = readEnv({
      SANDBOX_BEPAID_VERIFICATION_TIMEOUT_MS: '500',
      SANDBOX_BEPAID_NOTIFICATION_BACKOFF_MS: '10, 20,30',
      SANDBOX_BEPAID_PORT: '4041',
    });
    const cfg = resolveConfig(mergeRaw(env, { port: '4042' }));
    expect(cfg).toMatchObject({
      verificationTimeoutMs: 500,
      notificationBackoffMs: [10, 20, 30],
      port: 4042,
    });
  });

  it('reports every problem at once', () => {
    try {
      resolveConfig({
        port: '70000',
        notificationBackoffMs: '10,x',
        notificationAttempts: 0,
        logLevel: 'loud',
      });
      throw new Error('no error');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toHaveLength(4);
    }
  });
});
