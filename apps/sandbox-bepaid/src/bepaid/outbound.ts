/**
 * The simulator's only outbound HTTP: one POST to the merchant under a hard deadline. The deadline
 * covers the whole exchange — connecting, sending, the answer's headers and body — as bePaid's
 * does: when it passes, the connection is dropped and the answer, if any comes later, is never read.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';

/** What became of one POST. */
export interface Exchange {
  /** null: no answer (timeout, refused, reset). */
  status: number | null;
  /** The answer's body as text (at most `MAX_ANSWER_BYTES`), null without an answer. */
  body: string | null;
  elapsedMs: number;
  timedOut: boolean;
  /** Why there is no answer (`timeout after 14000 ms`, `connect ECONNREFUSED …`). */
  error?: string;
}

const MAX_ANSWER_BYTES = 64 * 1024;

/** Cancels every exchange in flight (the server is closing). */
export class OutboundScope {
  private readonly live = new Set<() => void>();
  private closed = false;

  post(url: string, headers: Record<string, string>, body: Buffer, timeoutMs: number): Promise<Exchange> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    return new Promise<Exchange>((resolve) => {
      if (this.closed) {
        resolve({ status: null, body: null, elapsedMs: 0, timedOut: false, error: 'simulator closing' });
        return;
      }
      let settled = false;
      const finish = (x: Exchange): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.live.delete(cancel);
        resolve(x);
      };
      const target = new URL(url);
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      // A fresh connection per exchange (no keep-alive pool): copies sent "at once" really travel
      // side by side, and a dropped exchange never poisons the next one.
      const req = send(target, {
        method: 'POST',
        agent: false,
        headers: { ...headers, 'Content-Length': String(body.length), Connection: 'close' },
      });
      const timer = setTimeout(() => {
        finish({
          status: null,
          body: null,
          elapsedMs: elapsed(),
          timedOut: true,
          error: `timeout after ${timeoutMs} ms`,
        });
        req.destroy();
      }, timeoutMs);
      const cancel = (): void => {
        finish({
          status: null,
          body: null,
          elapsedMs: elapsed(),
          timedOut: false,
          error: 'simulator closing',
        });
        req.destroy();
      };
      this.live.add(cancel);
      req.on('error', (err) =>
        finish({ status: null, body: null, elapsedMs: elapsed(), timedOut: false, error: err.message }),
      );
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_ANSWER_BYTES) chunks.push(chunk.subarray(0, MAX_ANSWER_BYTES - size));
          size += chunk.length;
        });
        res.on('end', () =>
          finish({
            status: res.statusCode ?? null,
            body: Buffer.concat(chunks).toString('utf8'),
            elapsedMs: elapsed(),
            timedOut: false,
          }),
        );
        // The merchant closed the connection before the answer's end: no answer.
        res.on('close', () =>
          finish({
            status: null,
            body: null,
            elapsedMs: elapsed(),
            timedOut: false,
            error: 'answer cut off',
          }),
        );
      });
      req.end(body);
    });
  }

  /** Waits `ms` unless the scope closes first; resolves false then. */
  sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.closed) return resolve(false);
      const cancel = (): void => {
        clearTimeout(timer);
        this.live.delete(cancel);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.live.delete(cancel);
        resolve(true);
      }, ms);
      this.live.add(cancel);
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
    for (const cancel of [...this.live]) cancel();
  }
}
