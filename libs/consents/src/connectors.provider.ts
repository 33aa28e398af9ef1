import type { Provider } from '@nestjs/common';
import { APP_CONFIG, type CommonEnv } from '#common/config.js';
import { PROVIDER_DEFINITIONS } from '#connectors/providers.js';
import { CONNECTORS, ConnectorRegistry } from '#connectors/registry.js';

/** The connectors of this deployment, one per provider definition, configured from the environment. */
export function connectorRegistryFromConfig(config: CommonEnv): ConnectorRegistry {
  return ConnectorRegistry.fromDefinitions(PROVIDER_DEFINITIONS, config, {
    timeoutMs: config.HISOB_BANK_TIMEOUT_MS,
  });
}

export const connectorsProvider: Provider = {
  provide: CONNECTORS,
  inject: [APP_CONFIG],
  useFactory: connectorRegistryFromConfig,
};
