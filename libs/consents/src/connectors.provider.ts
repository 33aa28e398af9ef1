import type { Provider } from '@nestjs/common';
import { APP_CONFIG, type CommonEnv } from '#common/config.js';
import { createAlifMobiConnector } from '#connectors/alif-mobi/alif-mobi.connector.js';
import { CONNECTORS, ConnectorRegistry } from '#connectors/registry.js';

/** The connectors of this deployment, configured from the environment (pointing at a bank is config only). */
export function connectorRegistryFromConfig(config: CommonEnv): ConnectorRegistry {
  return new ConnectorRegistry([
    createAlifMobiConnector({
      issuerUrl: config.ALIF_MOBI_ISSUER_URL,
      obpUrl: config.ALIF_MOBI_OBP_URL,
      bankId: config.ALIF_MOBI_BANK_ID,
      clientId: config.ALIF_MOBI_CLIENT_ID,
      clientSecret: config.ALIF_MOBI_CLIENT_SECRET,
      timeoutMs: config.HISOB_BANK_TIMEOUT_MS,
      pageSize: config.ALIF_MOBI_PAGE_SIZE,
    }),
  ]);
}

export const connectorsProvider: Provider = {
  provide: CONNECTORS,
  inject: [APP_CONFIG],
  useFactory: connectorRegistryFromConfig,
};
