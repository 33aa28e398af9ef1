import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  BEPAID_RESULTS,
  decideVerification,
  normalisePublicKey,
  parseBasicAuth,
  parseNotification,
  parseVerificationRequest,
  secretEquals,
  signatureValid,
  type DirectoryEntry,
} from './bepaid.wire.js';

const doc = readFileSync(new URL('../../../../docs/providers/bepaid.md', import.meta.url), 'utf8');

describe('docs/providers/bepaid.md', () => {
  it('documents every result code Hisob answers, with the description it sends', () => {
    for (const r of Object.values(BEPAID_RESULTS)) {
      expect(doc).toMatch(new RegExp(`^\\|\\s*\`${r.code}\`\\s*\\|`, 'm'));
      expect(doc).toContain(r.description.split(':')[0]!);
    }
  });
});

describe('parseVerificationRequest', () => {
  const ok = { id: 'a-1', account: 'cust-1', amount: 12050, currency: 'TJS', method: { type: 'alif_mobi' } };

  it('reads the wire, ignoring fields it does not use', () => {
    const r = parseVerificationRequest({ request: { ...ok, info: { x: 1 }, extra: true }, more: 1 });
    expect(r).toEqual({
      ok: true,
      request: {
        id: 'a-1',
        idKey: 'a-1',
        account: 'cust-1',
        amountMinor: 12050n,
        currency: 'TJS',
        methodType: 'alif_mobi',
      },
    });
    expect(parseVerificationRequest({ request: { ...ok, id: 42 } })).toMatchObject({
      ok: true,
      request: { id: 42, idKey: '42' },
    });
  });

  it('refuses what it uses when it is malformed: 300, or 4 for the account', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ amount: 1.5 }, 'other'],
      [{ amount: 0 }, 'other'],
      [{ amount: '12050' }, 'other'],
      [{ amount: 2 ** 53 }, 'other'],
      [{ currency: 'tjs' }, 'other'],
      [{ currency: 'XXX' }, 'other'],
      [{ account: undefined }, 'other'],
      [{ account: 'two words' }, 'badAccountFormat'],
      [{ account: 'x'.repeat(65) }, 'badAccountFormat'],
      [{ method: 'alif_mobi' }, 'other'],
    ];
    for (const [over, result] of cases)
      expect({ over, r: parseVerificationRequest({ request: { ...ok, ...over } }) }).toMatchObject({
        over,
        r: { ok: false, id: 'a-1', result },
      });
    expect(parseVerificationRequest({ request: { ...ok, id: { a: 1 } } })).toMatchObject({
      ok: false,
      id: null,
    });
    expect(parseVerificationRequest([])).toMatchObject({ ok: false, id: null, result: 'other' });
  });

  it('never throws, whatever the body', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        parseVerificationRequest(v);
        parseVerificationRequest({ request: v });
        parseNotification({ transaction: v });
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});

describe('decideVerification', () => {
  const shop = { currency: 'TJS', hasDirectory: true };
  const active = { status: 'active' as const, minMinor: 1000n, maxMinor: 50000n };
  const d = (amountMinor: bigint, entry: DirectoryEntry | null = active, m = shop, currency = 'TJS') =>
    decideVerification({ amountMinor, currency }, m, entry).result;

  it('answers in the documented order, limits inclusive', () => {
    expect(d(1000n)).toBe('ok');
    expect(d(50000n)).toBe('ok');
    expect(d(999n)).toBe('amountTooSmall');
    expect(d(50001n)).toBe('amountTooBig');
    expect(d(1000n, { ...active, status: 'blocked' })).toBe('accountBlocked');
    expect(d(1000n, null)).toBe('accountNotFound');
    expect(d(1000n, null, { ...shop, hasDirectory: false })).toBe('cannotCheck');
    expect(d(1000n, active, shop, 'USD')).toBe('other');
    expect(d(1n, { status: 'active', minMinor: null, maxMinor: null })).toBe('ok');
  });
});

describe('caller checks', () => {
  it('parses Basic auth, passwords with colons included', () => {
    const h = `Basic ${Buffer.from('361:se:cret').toString('base64')}`;
    expect(parseBasicAuth(h)).toEqual({ user: '361', password: 'se:cret' });
    expect(parseBasicAuth('Bearer x')).toBeNull();
    expect(parseBasicAuth(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeNull();
    expect(parseBasicAuth(undefined)).toBeNull();
  });

  it('compares secrets exactly', () => {
    expect(secretEquals('abc', 'abc')).toBe(true);
    expect(secretEquals('abc', 'abd')).toBe(false);
    expect(secretEquals('abc', 'abcd')).toBe(false);
  });

  it('verifies Content-Signature over the raw bytes with a PEM or bare base64 key', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const bare = pem.replace(/-----[A-Z ]+-----|\s/g, '');
    const body = Buffer.from('{"transaction":{"uid":"u","note":"naïve"}}');
    const sig = sign('sha256', body, privateKey).toString('base64');
    for (const key of [normalisePublicKey(pem), normalisePublicKey(bare)]) {
      expect(signatureValid(body, sig, key)).toBe(true);
      expect(signatureValid(Buffer.from(body.toString().replace('naïve', 'naive')), sig, key)).toBe(false);
      expect(signatureValid(body, undefined, key)).toBe(false);
      expect(signatureValid(body, 'AAAA', key)).toBe(false);
    }
    expect(() => normalisePublicKey('not a key')).toThrow();
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(() => normalisePublicKey(ec.toString())).toThrow(/RSA/);
  });
});
