import { accessBank } from './accessbank/accessbank.provider.js';
import { alifMobi } from './alif-mobi/alif-mobi.provider.js';
import { alifShop } from './alif-shop/alif-shop.provider.js';
import type { ConfigSpec, ProviderDefinition } from './provider-definition.js';

/**
 * Every provider this build of Hisob speaks, one definition each. Adding a provider is a folder
 * with its definition, and one line here.
 */
export const PROVIDER_DEFINITIONS: readonly ProviderDefinition<object>[] = [
  alifMobi as ProviderDefinition<object>,
  alifShop as ProviderDefinition<object>,
  accessBank as ProviderDefinition<object>,
];

/** The environment variables of every provider, for the boot-time validation of the config. */
export function providerConfigSpec(): ConfigSpec<Record<string, unknown>> {
  const spec: Record<string, ConfigSpec<Record<string, unknown>>[string]> = {};
  for (const d of PROVIDER_DEFINITIONS) {
    for (const [name, validator] of Object.entries(d.config)) {
      if (name in spec) throw new Error(`two providers declare ${name}`);
      spec[name] = validator as ConfigSpec<Record<string, unknown>>[string];
    }
  }
  return spec;
}

/** The definition of a provider id, or undefined. */
export function findProvider(id: string): ProviderDefinition<object> | undefined {
  return PROVIDER_DEFINITIONS.find((d) => d.id === id);
}
