import type { ValidatorSpec } from 'envalid';
import { permissionsOffered, type Capability, type Permission } from '#domain/permissions.js';
import type { ProviderId } from '#domain/provider.js';
import type { Connector } from './connector.js';
import type { RequestBudget } from './request-budget.js';

/** How a person authorises a consent at the provider. */
export type AuthKind = 'redirect' | 'otp';

/** Settings Hisob gives every connector, whatever the provider. */
export interface SharedConnectorConfig {
  /** Per-request budget for bank calls (`HISOB_BANK_TIMEOUT_MS`). */
  readonly timeoutMs: number;
  /**
   * The allowance of bank calls shared by every process of the deployment (Redis), for providers
   * that cap how often a consent may be read. Absent: an in-process one.
   */
  readonly budget?: RequestBudget;
}

/** envalid validators of a provider's environment variables, keyed by variable name. */
export type ConfigSpec<E> = { readonly [K in keyof E]: ValidatorSpec<E[K]> };

/**
 * A provider is ONE definition, exported from its folder (architecture.md "connector contract").
 * The registry, `GET /v1/providers`, consent validation, configuration validation and the test
 * stack all derive from the list in `providers.ts`; nothing outside the provider's folder, its
 * sandbox and its tests names the provider.
 */
export interface ProviderDefinition<E extends object = Record<string, unknown>> {
  readonly id: ProviderId;
  readonly name: string;
  /** ISO 3166-1 alpha-2. */
  readonly country: string;
  /** The wire protocol, for people (`GET /v1/providers`). */
  readonly protocol: string;
  readonly auth: AuthKind;
  /** What the connector can read; consistent with the optional members it implements. */
  readonly capabilities: readonly Capability[];
  /** Its environment variables, validated at boot together with Hisob's own. */
  readonly config: ConfigSpec<E>;
  /**
   * Problems of the variables taken together (one needs another, a key and its certificate must
   * match), by variable name; checked at boot with the rest of the configuration. Messages never
   * quote a secret.
   */
  validate?(config: E): Record<string, string>;
  /** A connector for this deployment's configuration. */
  create(config: E, shared: SharedConnectorConfig): Connector;
}

/** Declares a provider; the type parameter ties `config` to what `create` receives. */
export function defineProvider<E extends object>(definition: ProviderDefinition<E>): ProviderDefinition<E> {
  return definition;
}

/** What `GET /v1/providers` shows of a definition. */
export interface ProviderSummary {
  readonly id: ProviderId;
  readonly name: string;
  readonly country: string;
  readonly protocol: string;
  readonly auth: AuthKind;
  readonly capabilities: readonly Capability[];
  /** What a consent at this provider may grant (its default set). */
  readonly permissions: readonly Permission[];
}

export function summarise(d: ProviderDefinition<object>): ProviderSummary {
  return {
    id: d.id,
    name: d.name,
    country: d.country,
    protocol: d.protocol,
    auth: d.auth,
    capabilities: d.capabilities,
    permissions: permissionsOffered(d.capabilities),
  };
}
