import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { OutboundRefused, checkedLookup, hostOf, resolvePublic } from '#common/net/public-address.js';
import { WEBHOOK_HEADERS, WEBHOOK_USER_AGENT, signWebhook } from './signature.js';

export interface WebhookRequest {
  url: string;
  /** The exact bytes to sign and send. */
  body: string;
  secret: string;
  eventId: string;
  eventType: string;
  timeoutMs: number;
  nowS?: number;
  /** Send to loopback, private and other non-public addresses too (`HISOB_ALLOW_PRIVATE_WEBHOOKS`). */
  allowPrivateAddresses?: boolean;
}

export type WebhookResult =
  | { ok: true; status: number }
  | {
      ok: false;
      /** null when no response arrived (timeout, refused, DNS…). */
      status: number | null;
      /** Short and safe to log: never the URL, the secret or the response body. */
      error: string;
      /** At most {@link EXCERPT_CHARS} characters of the response body, for `last_error` only. */
      excerpt: string | null;
      /**
       * The URL is not allowed as a destination (a non-public address, a bad scheme): another
       * attempt cannot succeed, so the delivery ends now instead of being retried for 24 h.
       */
      permanent?: true;
    };

export const EXCERPT_CHARS = 200;

/**
 * One delivery attempt: POST `body` with its signature. Any 2xx is success.
 * - Redirects are not followed (a 3xx is a failure): a redirect would re-send a signed body to a
 *   host the client never configured.
 * - The destination must be a public address (SSRF): the host is resolved, every address is
 *   checked, and the connection goes to a checked address (the check and the connect share one
 *   resolution, so DNS rebinding cannot swap in 127.0.0.1 or 169.254.169.254 in between). A
 *   refused destination is a `permanent` failure.
 */
export async function sendWebhook(r: WebhookRequest): Promise<WebhookResult> {
  let url: URL;
  try {
    url = new URL(r.url);
  } catch {
    return { ok: false, status: null, error: 'invalid webhook_url', excerpt: null, permanent: true };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return {
      ok: false,
      status: null,
      error: `unsupported webhook_url scheme ${url.protocol}`,
      excerpt: null,
      permanent: true,
    };
  }
  const policy = { allowPrivate: r.allowPrivateAddresses === true };
  const host = hostOf(url);
  try {
    // An IP literal is never looked up, so `checkedLookup` would not see it: judge it here.
    if (isIP(host)) await resolvePublic(host, policy);
  } catch (err) {
    return refused(err as Error);
  }
  const signal = AbortSignal.timeout(r.timeoutMs);
  const payload = Buffer.from(r.body, 'utf8');
  let res: IncomingMessage;
  try {
    res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(payload.length),
          'user-agent': WEBHOOK_USER_AGENT,
          [WEBHOOK_HEADERS.signature]: signWebhook(r.secret, r.body, r.nowS),
          [WEBHOOK_HEADERS.eventId]: r.eventId,
          [WEBHOOK_HEADERS.eventType]: r.eventType,
        },
        lookup: checkedLookup(policy) as never,
        agent: false,
        signal,
      });
      req.once('response', resolve);
      req.once('error', reject);
      req.end(payload);
    });
  } catch (err) {
    if (err instanceof OutboundRefused) return refused(err);
    return { ok: false, status: null, error: describeFetchError(err, r.timeoutMs), excerpt: null };
  }
  const status = res.statusCode ?? 0;
  if (status >= 200 && status < 300) {
    // The receiver's answer is not needed; dropping the connection frees it without reading it.
    res.destroy();
    return { ok: true, status };
  }
  return { ok: false, status, error: `HTTP ${status}`, excerpt: await readExcerpt(res) };
}

function refused(err: Error): WebhookResult {
  const reason = err instanceof OutboundRefused ? err.message : 'not a public address';
  return {
    ok: false,
    status: null,
    error: `destination refused: ${reason}`,
    excerpt: null,
    permanent: true,
  };
}

/** Reads just enough of the body for the excerpt, then drops the rest (it may be huge or endless). */
async function readExcerpt(res: IncomingMessage): Promise<string | null> {
  const decoder = new TextDecoder();
  let text = '';
  try {
    for await (const chunk of res) {
      text += decoder.decode(chunk as Buffer, { stream: true });
      if (text.length >= EXCERPT_CHARS) break;
    }
  } catch {
    // A timeout or reset half-way through the error body: what arrived is still worth keeping.
  } finally {
    res.destroy();
  }
  // Control characters would make the stored error hard to read and could forge log lines.
  const clean = text
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim()
    .slice(0, EXCERPT_CHARS);
  return clean.length ? clean : null;
}

/**
 * Error messages may carry the URL or the address, so only the error's name and the system error
 * code are kept.
 */
function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: unknown; code?: unknown; cause?: { code?: unknown; name?: unknown } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  const code = e?.code ?? e?.cause?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return `network error ${code}`;
  const causeName = e?.cause?.name;
  if (typeof causeName === 'string' && /^\w{1,40}$/.test(causeName)) return `network error ${causeName}`;
  return 'network error';
}
