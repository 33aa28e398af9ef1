import type { ProviderId } from '#domain/provider.js';
import { ProtocolViolation, Transient } from './connector-errors.js';

/** One request to a bank. */
export interface HttpRequest {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Overrides the client's timeout for this call. */
  readonly timeoutMs?: number;
  /** Cancels the call (e.g. worker shutdown); surfaces as {@link Transient}. */
  readonly signal?: AbortSignal;
}

/** A bank reply below 500, with the whole body as text for per-bank parsing and error mapping. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** `METHOD /path` of the request, for messages (no query string, no credentials). */
  readonly target: string;
}

/** Options of an {@link HttpClient}. */
export interface HttpClientOptions {
  readonly provider: ProviderId;
  /** Whole-call budget: connect, headers and body (AbortSignal.timeout). */
  readonly timeoutMs: number;
  /** Bodies above this are a protocol violation (default 16 MiB). */
  readonly maxBodyBytes?: number;
  /** Injected fetch; defaults to the global one (undici). */
  readonly fetch?: typeof fetch;
}

/**
 * A small fetch-based client shared by connectors. It maps what is the same at every bank and
 * leaves the rest to the bank folder:
 * - transport failures (refused, reset, DNS, body cut off) and timeouts → {@link Transient};
 * - 5xx → {@link Transient} (with the redacted body excerpt);
 * - anything else is returned with status, headers and body text.
 *
 * No retries here: retrying belongs to the worker (BullMQ backoff), which also knows the rate
 * budget. Redirects are not followed (a bank API answering 3xx is misconfigured, and following
 * one could carry the Authorization header elsewhere).
 */
export class HttpClient {
  private readonly fetchImpl: typeof fetch;
  private readonly maxBodyBytes: number;

  constructor(private readonly options: HttpClientOptions) {
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
  }

  /**
   * Sends one request.
   *
   * @throws {Transient} on transport failure, timeout, cancellation or a 5xx reply.
   * @throws {ProtocolViolation} when the body exceeds the size limit.
   */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const method = req.method ?? 'GET';
    const target = `${method} ${req.url.pathname}`;
    const provider = this.options.provider;
    const timeoutMs = req.timeoutMs ?? this.options.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = req.signal ? AbortSignal.any([timeout, req.signal]) : timeout;

    let status: number | null = null;
    try {
      const res = await this.fetchImpl(req.url, {
        method,
        headers: req.headers,
        body: req.body,
        redirect: 'manual',
        signal,
      });
      status = res.status;
      const text = await readBody(res, this.maxBodyBytes);
      if (text === null) {
        throw new ProtocolViolation(`${target}: body larger than ${this.maxBodyBytes} bytes`, {
          provider,
          status,
          body: '',
        });
      }
      if (res.status >= 500) {
        throw new Transient(`${target}: bank answered ${res.status}`, { provider, status, body: text });
      }
      return { status: res.status, headers: res.headers, text, target };
    } catch (err) {
      if (err instanceof Transient || err instanceof ProtocolViolation) throw err;
      throw new Transient(`${target}: ${describeTransportError(err, timeout, timeoutMs)}`, {
        provider,
        status,
        cause: err,
      });
    }
  }
}

/** Reads the body up to `limit` bytes; null when it is larger (the rest is cancelled). */
async function readBody(res: Response, limit: number): Promise<string | null> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A one-line reason for a failed fetch; never includes headers or bodies. */
function describeTransportError(err: unknown, timeout: AbortSignal, timeoutMs: number): string {
  if (timeout.aborted) return `no complete answer within ${timeoutMs} ms`;
  if (isErrorLike(err) && err.name === 'AbortError') return 'request cancelled';
  const code = transportCode(err);
  const message = isErrorLike(err) ? err.message : 'unknown failure';
  return code ? `${message} (${code})` : message;
}

/** The first `code` (ECONNRESET, UND_ERR_SOCKET…) along the cause chain of a fetch failure. */
export function transportCode(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; isErrorLike(e) && depth < 4; e = e.cause, depth++) {
    if (typeof e.code === 'string') return e.code;
  }
  return null;
}

/**
 * Duck-typed, not `instanceof Error`: undici's errors may come from another realm (Jest's VM
 * sandbox, worker threads), where `instanceof` is false for a perfectly ordinary error.
 */
export function isErrorLike(
  value: unknown,
): value is { name: string; message: string; code?: unknown; cause?: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { message?: unknown }).message === 'string' &&
    typeof (value as { name?: unknown }).name === 'string'
  );
}
