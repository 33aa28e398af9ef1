import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Keyring } from '#crypto/keyring.js';
import { APP_CONFIG, type CommonEnv } from './config.js';

/** The app's validated config and its keyring, visible to every module (feature modules need both). */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: CommonEnv): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: Keyring, useValue: Keyring.parse(config.HISOB_ENCRYPTION_KEY) },
      ],
      exports: [APP_CONFIG, Keyring],
    };
  }
}
