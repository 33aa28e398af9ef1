import { HisobError, type FieldError } from '#common/http/problem.js';
import { OutboundRefused, hostOf, resolvePublic, type OutboundPolicy } from '#common/net/public-address.js';

export const MAX_URL_LENGTH = 2048;
export const MAX_REDIRECT_URIS = 20;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Why `raw` cannot be a registered redirect URI, or null. An exact URL: https, or http on a
 * loopback host (native and local apps, RFC 8252 §7.3); no fragment (the callback appends a query,
 * RFC 6749 §3.1.2); no user info (it would be sent on to the browser).
 */
export function redirectUriProblem(raw: unknown): string | null {
  if (typeof raw !== 'string' || !raw) return 'must be a URL';
  if (raw.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  if (CONTROL.test(raw) || /\s/.test(raw)) return 'must not contain spaces or control characters';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)))
    return 'must be https, or http on localhost, 127.0.0.1 or [::1]';
  if (raw.includes('#')) return 'must not have a fragment';
  if (url.username || url.password) return 'must not carry user info';
  return null;
}

/**
 * Why `raw` cannot be a webhook URL, or null. Besides the form, the host must be a public address
 * (SSRF): an IP literal by itself, a name by what it resolves to now. A name that does not resolve
 * yet is accepted: every delivery resolves and checks again before it connects.
 */
export async function webhookUrlProblem(raw: unknown, policy: OutboundPolicy): Promise<string | null> {
  if (typeof raw !== 'string' || !raw) return 'must be a URL';
  if (raw.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  if (CONTROL.test(raw) || /\s/.test(raw)) return 'must not contain spaces or control characters';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not carry user info';
  try {
    await resolvePublic(hostOf(url), policy);
  } catch (err) {
    if (err instanceof OutboundRefused) return `must reach a public address: ${err.message}`;
    // DNS failure or timeout: not decidable now; the sender decides at each delivery.
  }
  return null;
}

/** Validates what a client registers; throws `validation_failed` naming each bad field. */
export async function checkClientUrls(
  input: { webhookUrl?: string | null; redirectUris?: readonly unknown[] },
  policy: OutboundPolicy,
): Promise<void> {
  const errors: FieldError[] = [];
  if (input.webhookUrl !== undefined && input.webhookUrl !== null) {
    const problem = await webhookUrlProblem(input.webhookUrl, policy);
    if (problem) errors.push({ field: 'webhook_url', message: `webhook_url ${problem}` });
  }
  if (input.redirectUris !== undefined) {
    if (input.redirectUris.length > MAX_REDIRECT_URIS)
      errors.push({ field: 'redirect_uris', message: `at most ${MAX_REDIRECT_URIS} redirect URIs` });
    input.redirectUris.forEach((uri, i) => {
      const problem = redirectUriProblem(uri);
      if (problem) errors.push({ field: `redirect_uris.${i}`, message: `redirect URI ${problem}` });
    });
  }
  if (errors.length) throw HisobError.validation(errors);
}
