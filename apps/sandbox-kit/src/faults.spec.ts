import { FaultRegistry, FaultValidationError } from './faults.js';

describe('FaultRegistry', () => {
  let sut: FaultRegistry;
  beforeEach(() => {
    sut = new FaultRegistry();
  });

  it('matches a plain path as a prefix of the request target, and a ^path as a regular expression', () => {
    const prefix = sut.add({ match: { path: '/obp/v5.1.0/banks' }, status: 500 });
    expect(sut.take('GET', '/obp/v5.1.0/banks/alif.tj/balances')?.id).toBe(prefix.id);
    expect(sut.take('GET', '/obp/v5.1.0/my/accounts')).toBeUndefined();
    sut.clear();
    const regex = sut.add({ match: { path: '^/token$' }, status: 429 });
    expect(sut.take('POST', '/token')?.id).toBe(regex.id);
    expect(sut.take('POST', '/token/revocation')).toBeUndefined();
  });

  it('matches the method case-insensitively', () => {
    sut.add({ match: { method: 'post' }, status: 500 });
    expect(sut.take('GET', '/token')).toBeUndefined();
    expect(sut.take('POST', '/token')).toBeDefined();
  });

  it('lets `after` requests through and expires after `times` firings', () => {
    sut.add({ match: {}, status: 503, after: 1, times: 2 });
    expect([1, 2, 3, 4].map(() => Boolean(sut.take('GET', '/x')))).toEqual([false, true, true, false]);
    expect(sut.list()[0]).toMatchObject({ hits: 3, fired: 2, active: false });
  });

  it('offers a request to the next fault when an earlier one lets it pass', () => {
    sut.add({ match: {}, status: 500, after: 5 });
    const second = sut.add({ match: {}, status: 429 });
    expect(sut.take('GET', '/x')?.id).toBe(second.id);
  });

  it('rejects definitions with every problem listed', () => {
    try {
      sut.add({ match: { path: '^(' }, status: 42, times: 0, extra: true });
      throw new Error('expected a validation error');
    } catch (e) {
      expect(e).toBeInstanceOf(FaultValidationError);
      expect((e as FaultValidationError).problems).toHaveLength(5);
    }
  });
});
