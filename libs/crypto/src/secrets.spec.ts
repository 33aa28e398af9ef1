import { MalformedSecretHash } from './crypto-errors.js';
import { generateApiKey, hashSecret, parseApiKey, randomBase62, verifySecret } from './secrets.js';

const FAST = { ln: 10, r: 8, p: 1 };

describe('API keys', () => {
  it('generates hsb_live_<id>_<secret> keys that parse back', () => {
    const sut = generateApiKey();
    expect(sut.key).toMatch(/^hsb_live_[A-Za-z0-9]{20}_[A-Za-z0-9]{43}$/);
    expect(parseApiKey(sut.key)).toEqual({ mode: 'live', id: sut.id, secret: sut.secret });
  });

  it('generates test-mode keys', () => {
    expect(generateApiKey('test').key).toMatch(/^hsb_test_/);
  });

  it('never repeats', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey().key));
    expect(keys.size).toBe(200);
  });

  it('is url-safe: encodeURIComponent leaves it as is', () => {
    const { key } = generateApiKey();
    expect(encodeURIComponent(key)).toBe(key);
  });

  it('parses the sandbox demo key without a mode segment', () => {
    expect(parseApiKey('hsb_demo0000000000000000_sandboxdemokeysandboxdemokey0000')).toEqual({
      mode: null,
      id: 'demo0000000000000000',
      secret: 'sandboxdemokeysandboxdemokey0000',
    });
  });

  it.each([
    '',
    'nonsense',
    'hsb_',
    'hsb_live_',
    'hsb_live_abc_def',
    `Bearer hsb_live_${'a'.repeat(20)}_${'b'.repeat(43)}`,
    `hsb_prod_${'a'.repeat(20)}_${'b'.repeat(43)}`,
    `hsb_live_${'a'.repeat(20)}_${'b'.repeat(42)}!`,
  ])('returns null for %j', (key) => {
    expect(parseApiKey(key)).toBeNull();
  });

  it('draws base62 characters evenly', () => {
    const counts = new Map<string, number>();
    for (const c of randomBase62(62_000)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    for (const n of counts.values()) expect(Math.abs(n - 1000)).toBeLessThan(200);
  });
});

describe('hashSecret / verifySecret', () => {
  it('verifies the right secret and refuses a wrong one', async () => {
    const stored = await hashSecret('s3cret-value', FAST);
    await expect(verifySecret('s3cret-value', stored)).resolves.toBe(true);
    await expect(verifySecret('s3cret-valuf', stored)).resolves.toBe(false);
    await expect(verifySecret('s3cret-value ', stored)).resolves.toBe(false);
    await expect(verifySecret('', stored)).resolves.toBe(false);
  });

  it('records the parameters and a random salt in the hash string', async () => {
    const a = await hashSecret('same', FAST);
    const b = await hashSecret('same', FAST);
    expect(a).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('same');
  });

  it('uses N=2^14 by default and verifies with the recorded parameters', async () => {
    const stored = await hashSecret('default-cost');
    expect(stored.startsWith('$scrypt$ln=14,r=8,p=1$')).toBe(true);
    await expect(verifySecret('default-cost', stored)).resolves.toBe(true);
  });

  it('verifies a full generated key secret', async () => {
    const { secret } = generateApiKey();
    await expect(verifySecret(secret, await hashSecret(secret, FAST))).resolves.toBe(true);
  });

  it.each([
    '',
    'plain',
    '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
    '$scrypt$ln=30,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g',
    '$scrypt$ln=14,r=8,p=1$c2E$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g',
  ])('throws MalformedSecretHash for stored value %j', async (stored) => {
    await expect(verifySecret('x', stored)).rejects.toBeInstanceOf(MalformedSecretHash);
  });
});
