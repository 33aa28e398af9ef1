import type { Provider } from '@nestjs/common';
import { APP_CONFIG, type CommonEnv } from '#common/config.js';
import { Keyring } from '#crypto/keyring.js';

/** The envelope-encryption keyring built from HISOB_ENCRYPTION_KEY. */
export const keyringProvider: Provider = {
  provide: Keyring,
  inject: [APP_CONFIG],
  useFactory: (config: CommonEnv) => Keyring.parse(config.HISOB_ENCRYPTION_KEY),
};
