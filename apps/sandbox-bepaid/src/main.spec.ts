import { resolveConfig } from './config.js';
import { parseCli } from './main.js';

describe('parseCli', () => {
  it('maps every flag to its option', () => {
    const raw = parseCli([
      '--port=4041',
      '--seed',
      '7',
      '--private-key',
      '/keys/shop.pem',
      '--verification-timeout-ms',
      '250',
      '--notification-timeout-ms',
      '100',
      '--notification-attempts',
      '2',
      '--notification-backoff-ms',
      '5,10',
      '--gateway-id',
      '9',
    ]);
    expect(raw).not.toBe('help');
    expect(resolveConfig(raw as Exclude<typeof raw, 'help'>)).toMatchObject({
      port: 4041,
      seed: 7,
      privateKeyPath: '/keys/shop.pem',
      verificationTimeoutMs: 250,
      notificationTimeoutMs: 100,
      notificationAttempts: 2,
      notificationBackoffMs: [5, 10],
      gatewayId: 9,
    });
  });

  it('refuses an unknown flag and answers --help', () => {
    expect(() => parseCli(['--budget', '1'])).toThrow();
    expect(parseCli(['-h'])).toBe('help');
  });
});
