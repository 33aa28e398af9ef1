import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhook } from './signature.js';

const secret = 'whsec_test-secret-0123456789abcdef';
const body =
  '{"id": "7d5c0e0a-9f8e-4c1e-9d55-8a2b1c3d4e5f", "data": {"amount": "-120.50"}, "type": "sync.succeeded"}';
const now = 1_763_900_000;

describe('signWebhook', () => {
  it('produces t=<unix>,v1=<hex hmac_sha256(secret, t + "." + body)> as api.md fixes it', () => {
    const expected = createHmac('sha256', secret).update(`${now}.${body}`).digest('hex');
    expect(signWebhook(secret, body, now)).toBe(`t=${now},v1=${expected}`);
  });

  it('signs bytes and the same text identically', () => {
    expect(signWebhook(secret, Buffer.from(body, 'utf8'), now)).toBe(signWebhook(secret, body, now));
  });

  it('adds one v1 per secret during a rotation', () => {
    const header = signWebhook(['whsec_new', 'whsec_old'], body, now);
    expect(header.split(',')).toHaveLength(3);
    expect(verifyWebhook(header, 'whsec_old', body, { nowS: now })).toBe(true);
    expect(verifyWebhook(header, 'whsec_new', body, { nowS: now })).toBe(true);
  });

  it('refuses an empty secret', () => {
    expect(() => signWebhook('', body, now)).toThrow(TypeError);
    expect(() => signWebhook([], body, now)).toThrow(TypeError);
  });
});

describe('verifyWebhook', () => {
  const header = signWebhook(secret, body, now);

  it('accepts its own signature within the tolerance, either side of the clock', () => {
    expect(verifyWebhook(header, secret, body, { nowS: now })).toBe(true);
    expect(verifyWebhook(header, secret, body, { nowS: now + 300 })).toBe(true);
    expect(verifyWebhook(header, secret, body, { nowS: now - 300 })).toBe(true);
  });

  it('rejects a stale or future timestamp', () => {
    expect(verifyWebhook(header, secret, body, { nowS: now + 301 })).toBe(false);
    expect(verifyWebhook(header, secret, body, { nowS: now - 301 })).toBe(false);
    expect(verifyWebhook(header, secret, body, { nowS: now + 3600, toleranceS: 7200 })).toBe(true);
  });

  it('rejects another body, another secret, a re-timed header', () => {
    expect(verifyWebhook(header, secret, body.replace('-120.50', '-920.50'), { nowS: now })).toBe(false);
    expect(verifyWebhook(header, 'whsec_other', body, { nowS: now })).toBe(false);
    expect(verifyWebhook(header.replace(`t=${now}`, `t=${now + 1}`), secret, body, { nowS: now })).toBe(
      false,
    );
  });

  it('accepts when any of several v1 entries matches, ignoring unknown schemes and spaces', () => {
    const v1 = header.split('v1=')[1];
    const mixed = `t=${now}, v0=abc, v1=${'0'.repeat(64)}, v1=${v1}, v2=whatever`;
    expect(verifyWebhook(mixed, secret, body, { nowS: now })).toBe(true);
  });

  it('accepts a receiver holding several secrets (its own rotation)', () => {
    expect(verifyWebhook(header, ['whsec_next', secret], body, { nowS: now })).toBe(true);
  });

  it.each([
    ['missing header', undefined],
    ['empty header', ''],
    ['no timestamp', header.replace(/^t=\d+,/, '')],
    ['no v1', `t=${now}`],
    ['two timestamps', `t=${now},${header}`],
    ['non-numeric timestamp', header.replace(`t=${now}`, 't=soon')],
    ['short v1', `t=${now},v1=abcd`],
    ['non-hex v1', `t=${now},v1=${'z'.repeat(64)}`],
    ['oversized header', `${header},${'v0=x,'.repeat(1000)}`],
  ])('rejects a malformed header: %s', (_name, h) => {
    expect(verifyWebhook(h, secret, body, { nowS: now })).toBe(false);
  });

  it('refuses to verify against an empty secret (a MAC anybody can compute)', () => {
    const forged = `t=${now},v1=${createHmac('sha256', '').update(`${now}.${body}`).digest('hex')}`;
    expect(() => verifyWebhook(forged, '', body, { nowS: now })).toThrow(TypeError);
  });

  it('uses the real clock by default', () => {
    expect(verifyWebhook(signWebhook(secret, body), secret, body)).toBe(true);
    expect(verifyWebhook(signWebhook(secret, body, Math.floor(Date.now() / 1000) - 600), secret, body)).toBe(
      false,
    );
  });
});
