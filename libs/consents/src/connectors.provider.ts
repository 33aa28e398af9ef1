import type { Provider } from '@nestjs/common';
import { APP_CONFIG, type CommonEnv } from '#common/config.js';
import { PROVIDER_DEFINITIONS } from '#connectors/providers.js';
import { CONNECTORS, ConnectorRegistry } from '#connectors/registry.js';
import type { RequestBudget } from '#connectors/request-budget.js';
import { REQUEST_BUDGET, RedisRequestBudget } from './redis-request-budget.js';

/** The connectors of this deployment, one per provider definition, configured from the environment. */
export function connectorRegistryFromConfig(config: CommonEnv, budget?: RequestBudget): ConnectorRegistry {
  return ConnectorRegistry.fromDefinitions(PROVIDER_DEFINITIONS, config, {
    timeoutMs: config.HISOB_BANK_TIMEOUT_MS,
    ...(budget ? { budget } : {}),
  });
}

/** The allowance of bank reads every process shares, in this deployment's Redis (and prefix). */
export const requestBudgetProvider: Provider = {
  provide: REQUEST_BUDGET,
  inject: [APP_CONFIG],
  useFactory: (config: CommonEnv) => RedisRequestBudget.connect(config.REDIS_URL, config.HISOB_REDIS_PREFIX),
};

export const connectorsProvider: Provider = {
  provide: CONNECTORS,
  inject: [APP_CONFIG, REQUEST_BUDGET],
  useFactory: connectorRegistryFromConfig,
};
