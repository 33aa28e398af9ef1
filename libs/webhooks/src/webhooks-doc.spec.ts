import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WEBHOOK_EVENT_TYPES, buildEnvelope } from './envelope.js';
import {
  WEBHOOK_BACKOFF_CAP_MS,
  WEBHOOK_MAX_ATTEMPTS,
  WEBHOOK_RETRY_WINDOW_MS,
  webhookBackoffMs,
} from './retry-policy.js';
import { WEBHOOK_HEADERS, WEBHOOK_TOLERANCE_S, WEBHOOK_USER_AGENT, signWebhook } from './signature.js';
import { DEFAULT_WEBHOOK_OPTIONS } from './webhook-options.js';
import { EXCERPT_CHARS } from './webhook-sender.js';

/**
 * docs/webhooks.md is what clients copy: its recipes are run here against signatures made by
 * {@link signWebhook}, and its numbers and names are compared with the constants they describe.
 */
const doc = readFileSync(new URL('../../../docs/webhooks.md', import.meta.url), 'utf8');

/** The fenced block right after `<!-- marker -->`. */
function block(marker: string): string {
  const m = new RegExp(`<!-- ${marker} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\``).exec(doc);
  if (!m?.[1]) throw new Error(`docs/webhooks.md has no code block after <!-- ${marker} -->`);
  return m[1];
}

/** A table row starting with `name` in backticks (prettier may pad the cells). */
const cell = (name: string) => new RegExp(`^\\|\\s*\`${name.replace(/\./g, '\\.')}\`\\s*\\|`, 'm');

const secret = 'whsec_doc-recipe-secret-0123456789';
const body = Buffer.from(
  '{"id": "5f0c3c9e-8a44-4c55-9b1e-0d2f6f1f7a21", "data": {"note": "naïve ✓"}, "type": "sync.succeeded"}',
  'utf8',
);
const nowS = () => Math.floor(Date.now() / 1000);

describe('docs/webhooks.md', () => {
  it('has a Node recipe that accepts Hisob signatures and rejects forgeries', () => {
    const good = signWebhook(secret, body);
    const cases: Array<[string, string, string, Buffer, boolean]> = [
      ['valid', good, secret, body, true],
      ['rotation: second v1 matches', signWebhook(['whsec_new-secret', secret], body), secret, body, true],
      ['spaces and unknown schemes', good.replace(',', ', v0=x, '), secret, body, true],
      ['tampered body', good, secret, Buffer.from(body.toString('utf8').replace('naïve', 'naive')), false],
      ['wrong secret', good, 'whsec_wrong', body, false],
      ['stale', signWebhook(secret, body, nowS() - 301 - 5), secret, body, false],
      ['future', signWebhook(secret, body, nowS() + 301 + 5), secret, body, false],
      ['two timestamps', `t=${nowS()},${good}`, secret, body, false],
      ['no v1', `t=${nowS()}`, secret, body, false],
      ['empty', '', secret, body, false],
    ];
    const harness = `
      const cases = JSON.parse(process.env.CASES);
      const out = cases.map(([name, header, secret, b64]) => [name, verifyHisobSignature(header, secret, Buffer.from(b64, 'base64'))]);
      process.stdout.write(JSON.stringify(out));`;
    const stdout = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `${block('recipe:node')}\n${harness}`],
      {
        env: {
          PATH: process.env.PATH,
          CASES: JSON.stringify(cases.map(([n, h, s, b]) => [n, h, s, b.toString('base64')])),
        },
        encoding: 'utf8',
      },
    );
    expect(JSON.parse(stdout)).toEqual(cases.map(([name, , , , ok]) => [name, ok]));
  });

  it('has an openssl one-liner that computes the same v1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hisob-webhook-doc-'));
    try {
      writeFileSync(join(dir, 'body.json'), body);
      const run = (sig: string) =>
        execFileSync('bash', ['-c', block('recipe:shell')], {
          cwd: dir,
          env: { PATH: process.env.PATH, SIG: sig, HISOB_WEBHOOK_SECRET: secret },
          encoding: 'utf8',
        }).trim();
      const sig = signWebhook(secret, body, 1_763_900_000);
      expect(run(sig)).toBe('signature ok (t=1763900000)');
      expect(run(signWebhook(['whsec_other', secret], body, 1_763_900_000))).toBe(
        'signature ok (t=1763900000)',
      );
      expect(run(signWebhook('whsec_other', body, 1_763_900_000))).toBe('signature MISMATCH');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows the envelope the publisher builds', () => {
    const example = JSON.parse(block('example:envelope')) as Record<string, unknown>;
    const built = buildEnvelope('consent.status_changed', {});
    expect(Object.keys(example).sort()).toEqual(Object.keys(built).sort());
    expect(example.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    for (const type of WEBHOOK_EVENT_TYPES) expect(doc).toMatch(cell(type));
  });

  it('names the headers, the user agent and the limits the code uses', () => {
    for (const h of Object.values(WEBHOOK_HEADERS)) expect(doc).toMatch(cell(h));
    expect(doc).toContain(`User-Agent: ${WEBHOOK_USER_AGENT}`);
    expect(doc).toContain(`within **${DEFAULT_WEBHOOK_OPTIONS.requestTimeoutMs / 1000} s**`);
    expect(doc).toContain(`within ${WEBHOOK_TOLERANCE_S / 60} minutes`);
    expect(doc).toContain(`the first ${EXCERPT_CHARS} characters`);
    expect(doc).toContain(`until the event is ${WEBHOOK_RETRY_WINDOW_MS / 3_600_000} h old`);
    expect(doc).toContain(`at most ${WEBHOOK_MAX_ATTEMPTS} attempts`);
  });

  it('has a retry table matching the backoff ceilings', () => {
    const unit: Record<string, number> = { s: 1000, min: 60_000, h: 3_600_000 };
    const rows = [...doc.matchAll(/^\|\s*(\d+)( and later)?\s*\|\s*0 – (\d+) (s|min|h)\s*\|$/gm)];
    expect(rows.length).toBeGreaterThan(5);
    for (const [, attempt, later, amount, u] of rows) {
      const failuresBefore = Number(attempt) - 1;
      expect([attempt, Number(amount) * (unit[u as string] as number)]).toEqual([
        attempt,
        webhookBackoffMs(failuresBefore, () => 1),
      ]);
      if (later) expect(webhookBackoffMs(failuresBefore - 1, () => 1)).toBeLessThan(WEBHOOK_BACKOFF_CAP_MS);
    }
  });
});
