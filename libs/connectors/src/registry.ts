import type { InjectionToken } from '@nestjs/common';
import type { ProviderId } from '#domain/provider.js';
import type { Connector } from './connector.js';
import type { ProviderDefinition, SharedConnectorConfig } from './provider-definition.js';

/**
 * DI token for the connector registry (STYLE §6.3: connectors are registered under a Symbol).
 * `{ provide: CONNECTORS, useFactory: (cfg) => new ConnectorRegistry([createAlifMobiConnector(cfg…), …]) }`
 */
export const CONNECTORS: InjectionToken<ConnectorRegistry> = Symbol('CONNECTORS');

/** Thrown when no connector is registered for a provider id (a configuration bug, not a bank fault). */
export class UnknownProvider extends Error {
  override readonly name = 'UnknownProvider';

  constructor(readonly provider: string) {
    super(`no connector registered for provider "${provider}"`);
  }
}

/** The connectors of this process by provider id. Immutable once built. */
export class ConnectorRegistry {
  private readonly byProvider: ReadonlyMap<ProviderId, Connector>;

  constructor(connectors: Iterable<Connector>) {
    const map = new Map<ProviderId, Connector>();
    for (const connector of connectors) {
      if (map.has(connector.provider)) throw new Error(`two connectors for provider "${connector.provider}"`);
      map.set(connector.provider, connector);
    }
    this.byProvider = map;
  }

  /**
   * One connector per definition, each given its own variables out of the validated config.
   * A definition whose connector does not serve what it declares is a build error, caught here.
   */
  static fromDefinitions(
    definitions: readonly ProviderDefinition<object>[],
    config: Readonly<Record<string, unknown>>,
    shared: SharedConnectorConfig,
  ): ConnectorRegistry {
    return new ConnectorRegistry(
      definitions.map((d) => {
        const own = Object.fromEntries(Object.keys(d.config).map((k) => [k, config[k]]));
        const connector = d.create(own, shared);
        if (connector.provider !== d.id)
          throw new Error(`definition ${d.id} built a ${connector.provider} connector`);
        return connector;
      }),
    );
  }

  /** @throws {UnknownProvider} */
  get(provider: ProviderId | string): Connector {
    const connector = this.byProvider.get(provider as ProviderId);
    if (connector === undefined) throw new UnknownProvider(provider);
    return connector;
  }

  has(provider: string): provider is ProviderId {
    return this.byProvider.has(provider as ProviderId);
  }

  /** Provider ids in registration order. */
  providers(): ProviderId[] {
    return [...this.byProvider.keys()];
  }
}
