import { randomBytes } from 'node:crypto';
import {
  InvalidKeyring,
  MalformedCiphertext,
  TamperedCiphertext,
  UnknownKeyId,
  UnsupportedCiphertextVersion,
} from './crypto-errors.js';
import { Keyring } from './keyring.js';

const key = () => randomBytes(32).toString('base64');
const K1 = key();
const K2 = key();
const AAD = 'consent:7b0a2c4e-1b7f-4c83-9b3e-2f0a9d1e5c11:access_token';

describe('Keyring.parse', () => {
  it('makes the first key active and keeps all for decryption', () => {
    const sut = Keyring.parse(`k2:${K2},k1:${K1}`);
    expect(sut.activeKeyId).toBe('k2');
    expect(sut.keyIds).toEqual(['k2', 'k1']);
  });

  it('accepts url-safe and unpadded base64, and spaces around entries', () => {
    const raw = randomBytes(32);
    const sut = Keyring.parse(` a:${raw.toString('base64url')} , b:${raw.toString('base64')}`);
    expect(sut.keyIds).toEqual(['a', 'b']);
  });

  it('accepts the development key the config ships', () => {
    expect(Keyring.parse('dev1:ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzItYnl0ZSE=').activeKeyId).toBe('dev1');
  });

  it.each([
    ['', 'empty'],
    ['k1', 'kid'],
    [`:${K1}`, 'kid'],
    [`k.1:${K1}`, 'kid'],
    [`k1:${randomBytes(16).toString('base64')}`, '32 bytes'],
    [`k1:${randomBytes(33).toString('base64')}`, '32 bytes'],
    ['k1:not base64!', 'base64'],
    [`k1:${K1},k1:${K2}`, 'twice'],
    [`k1:${K1},`, 'kid'],
  ])('refuses %j', (spec, hint) => {
    expect(() => Keyring.parse(spec)).toThrow(InvalidKeyring);
    expect(() => Keyring.parse(spec)).toThrow(new RegExp(hint));
  });

  it('never echoes key material in its errors', () => {
    const short = randomBytes(31).toString('base64');
    try {
      Keyring.parse(`k1:${short}`);
    } catch (err) {
      expect((err as Error).message).not.toContain(short);
      return;
    }
    throw new Error('expected InvalidKeyring');
  });
});

describe('Keyring encrypt/decrypt', () => {
  const sut = Keyring.parse(`k1:${K1}`);

  it('round-trips UTF-8, including empty and long values', () => {
    for (const plaintext of ['', 'eyJhbGciOi.token', 'сомонӣ ✓', 'x'.repeat(100_000)]) {
      expect(sut.decrypt(sut.encrypt(plaintext, AAD), AAD)).toBe(plaintext);
    }
  });

  it('writes the versioned self-describing format', () => {
    const ct = sut.encrypt('secret', AAD);
    expect(ct).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(ct).not.toContain('secret');
    expect(sut.keyIdOf(ct)).toBe('k1');
  });

  it('uses a fresh IV each time', () => {
    expect(sut.encrypt('same', AAD)).not.toBe(sut.encrypt('same', AAD));
  });

  it('refuses a ciphertext moved to another row (wrong associated data)', () => {
    const ct = sut.encrypt('token', AAD);
    expect(() => sut.decrypt(ct, 'consent:another:access_token')).toThrow(TamperedCiphertext);
  });

  it.each([
    ['ciphertext', 4],
    ['tag', 3],
    ['iv', 2],
  ] as const)('detects a tampered %s', (_part, index) => {
    const parts = sut.encrypt('token-value', AAD).split('.');
    const bytes = Buffer.from(parts[index] as string, 'base64url');
    bytes[0] = (bytes[0] as number) ^ 0x01;
    parts[index] = bytes.toString('base64url');
    expect(() => sut.decrypt(parts.join('.'), AAD)).toThrow(TamperedCiphertext);
  });

  it('detects a ciphertext relabelled with another key id', () => {
    const both = Keyring.parse(`k1:${K1},k2:${K2}`);
    const relabelled = both.encrypt('token', AAD).replace(/^v1\.k1\./, 'v1.k2.');
    expect(() => both.decrypt(relabelled, AAD)).toThrow(TamperedCiphertext);
  });

  it('names an unknown key id', () => {
    const other = Keyring.parse(`k9:${key()}`);
    const ct = other.encrypt('token', AAD);
    expect(() => sut.decrypt(ct, AAD)).toThrow(UnknownKeyId);
    expect(() => sut.decrypt(ct, AAD)).toThrow(/"k9"/);
  });

  it.each([
    ['', MalformedCiphertext],
    ['plain text', MalformedCiphertext],
    ['v1.k1.abc', MalformedCiphertext],
    ['v1.k1.!!!.aaaa.bbbb', MalformedCiphertext],
    ['v1.k1.AAAA.AAAAAAAAAAAAAAAAAAAAAA.AAAA', MalformedCiphertext],
    ['v2.k1.a.b.c', UnsupportedCiphertextVersion],
  ] as const)('refuses malformed value %j', (value, error) => {
    expect(() => sut.decrypt(value, AAD)).toThrow(error);
  });

  it('refuses a truncated tag', () => {
    const parts = sut.encrypt('token', AAD).split('.');
    parts[3] = Buffer.from(parts[3] as string, 'base64url')
      .subarray(0, 12)
      .toString('base64url');
    expect(() => sut.decrypt(parts.join('.'), AAD)).toThrow(MalformedCiphertext);
  });

  it('requires associated data', () => {
    expect(() => sut.encrypt('token', '')).toThrow(TypeError);
    expect(() => sut.decrypt(sut.encrypt('t', AAD), '')).toThrow(TypeError);
  });
});

describe('Keyring rotation', () => {
  const old = Keyring.parse(`k1:${K1}`);
  const rotated = Keyring.parse(`k2:${K2},k1:${K1}`);

  it('reads values under the old key and re-encrypts them under the active one', () => {
    const before = old.encrypt('refresh-token', AAD);
    expect(rotated.needsReencryption(before)).toBe(true);
    const sut = rotated.reencrypt(before, AAD);
    expect(rotated.keyIdOf(sut)).toBe('k2');
    expect(rotated.needsReencryption(sut)).toBe(false);
    expect(rotated.decrypt(sut, AAD)).toBe('refresh-token');
    expect(Keyring.parse(`k2:${K2}`).decrypt(sut, AAD)).toBe('refresh-token');
  });

  it('leaves a value already under the active key unchanged, after authenticating it', () => {
    const current = rotated.encrypt('token', AAD);
    expect(rotated.reencrypt(current, AAD)).toBe(current);
    expect(() => rotated.reencrypt(current, 'other')).toThrow(TamperedCiphertext);
  });

  it('keeps the associated data binding through rotation', () => {
    const sut = rotated.reencrypt(old.encrypt('token', AAD), AAD);
    expect(() => rotated.decrypt(sut, 'consent:other')).toThrow(TamperedCiphertext);
  });
});
