import type { Connector } from './connector.js';
import { ConnectorRegistry, UnknownProvider } from './registry.js';

const fake = (provider: Connector['provider']): Connector =>
  ({ provider, capabilities: ['accounts'] }) as unknown as Connector;

describe('ConnectorRegistry', () => {
  it('finds a connector by provider id', () => {
    const alif = fake('alif-mobi');
    const sut = new ConnectorRegistry([alif, fake('accessbank')]);
    expect(sut.get('alif-mobi')).toBe(alif);
    expect(sut.has('accessbank')).toBe(true);
    expect(sut.providers()).toEqual(['alif-mobi', 'accessbank']);
  });

  it('throws UnknownProvider for an unregistered id', () => {
    expect(() => new ConnectorRegistry([]).get('alif-shop')).toThrow(UnknownProvider);
  });

  it('refuses two connectors for one provider', () => {
    expect(() => new ConnectorRegistry([fake('alif-mobi'), fake('alif-mobi')])).toThrow(/two connectors/);
  });
});
