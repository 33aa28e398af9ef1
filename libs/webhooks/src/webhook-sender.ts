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
    };

export const EXCERPT_CHARS = 200;

/**
 * One delivery attempt: POST `body` with its signature. Any 2xx is success. Redirects are not
 * followed (a 3xx is a failure): a redirect would re-send a signed body to a host the client
 * never configured.
 */
export async function sendWebhook(r: WebhookRequest): Promise<WebhookResult> {
  let url: URL;
  try {
    url = new URL(r.url);
  } catch {
    return { ok: false, status: null, error: 'invalid webhook_url', excerpt: null };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return {
      ok: false,
      status: null,
      error: `unsupported webhook_url scheme ${url.protocol}`,
      excerpt: null,
    };
  }
  const signal = AbortSignal.timeout(r.timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': WEBHOOK_USER_AGENT,
        [WEBHOOK_HEADERS.signature]: signWebhook(r.secret, r.body, r.nowS),
        [WEBHOOK_HEADERS.eventId]: r.eventId,
        [WEBHOOK_HEADERS.eventType]: r.eventType,
      },
      body: r.body,
      redirect: 'manual',
      signal,
    });
  } catch (err) {
    return { ok: false, status: null, error: describeFetchError(err, r.timeoutMs), excerpt: null };
  }
  if (res.status >= 200 && res.status < 300) {
    // The receiver's answer is not needed; cancelling frees the connection without reading it.
    await res.body?.cancel().catch(() => undefined);
    return { ok: true, status: res.status };
  }
  return { ok: false, status: res.status, error: `HTTP ${res.status}`, excerpt: await readExcerpt(res) };
}

/** Reads just enough of the body for the excerpt, then drops the rest (it may be huge or endless). */
async function readExcerpt(res: Response): Promise<string | null> {
  if (!res.body) return null;
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < EXCERPT_CHARS) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // A timeout or reset half-way through the error body: what arrived is still worth keeping.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  // Control characters would make the stored error hard to read and could forge log lines.
  const clean = text
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim()
    .slice(0, EXCERPT_CHARS);
  return clean.length ? clean : null;
}

/**
 * undici puts the URL into some messages (`Failed to parse URL from …`), so only the error's
 * name and the system error code are kept.
 */
function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: unknown; cause?: { code?: unknown; name?: unknown } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  const code = e?.cause?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return `network error ${code}`;
  const causeName = e?.cause?.name;
  if (typeof causeName === 'string' && /^\w{1,40}$/.test(causeName)) return `network error ${causeName}`;
  return 'network error';
}
