/**
 * A test double of the MERCHANT (not of the simulator): a tiny node:http server that checks what
 * bePaid sends the way a merchant must — Basic auth with its own shop id and secret key, the
 * `Content-Signature` against the public key the simulator handed out — and answers scripted
 * results. It records every request it received, raw bytes included.
 */
import { verify } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  /** The body's exact bytes, and as text. */
  bytes: Buffer;
  raw: string;
  /** Parsed JSON, or undefined when the body is not JSON. */
  json: any;
  authOk: boolean;
  at: number;
}

export interface ReceivedNotification extends Received {
  /** Verified with the PEM the simulator returned; null without a signature header. */
  signatureOkPem: boolean | null;
  /** Verified with the bare base64 key, re-wrapped the way bePaid's PHP SDK does. */
  signatureOkBase64: boolean | null;
}

/** What the merchant answers to one verification request. */
export interface VerificationAnswer {
  status?: number;
  /** An object is sent as JSON; a string as it is. */
  body?: unknown;
  /** Wait this long before answering (the answer is never sent if the caller hangs up first). */
  delayMs?: number;
}

export class MerchantDouble {
  readonly shopId = '361';
  readonly secretKey = 'merchant-secret-361';
  readonly verifications: Received[] = [];
  readonly notifications: ReceivedNotification[] = [];
  /** Verification requests whose connection the caller dropped before the answer. */
  dropped = 0;
  inFlight = 0;
  maxInFlight = 0;
  /** Set after registering with the simulator. */
  publicKeyPem = '';
  publicKeyBase64 = '';

  /** Default: the account is known; tracking id `trk-<id>`; result as a number. */
  answerVerification: (req: any, n: number) => VerificationAnswer = (req) => ({
    body: {
      response: {
        id: req?.request?.id,
        tracking_id: `trk-${req?.request?.id}`,
        amount: req?.request?.amount,
        currency: req?.request?.currency,
        result: 0,
        description: 'OK',
      },
    },
  });
  /** HTTP status of the n-th notification (0-based); default 200. */
  answerNotification: (n: number) => number = () => 200;
  /** How long the merchant takes to answer the n-th notification (0-based); default at once. */
  notificationDelayMs: (n: number) => number = () => 0;

  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const bytes = Buffer.concat(chunks);
        const raw = bytes.toString('utf8');
        const received: Received = {
          headers: req.headers,
          bytes,
          raw,
          json: tryJson(raw),
          authOk: req.headers.authorization === basic(this.shopId, this.secretKey),
          at: Date.now(),
        };
        if (req.url === '/account_verification') this.onVerification(received, res);
        else if (req.url === '/notifications') this.onNotification(received, res);
        else res.writeHead(404).end();
      });
    });
    this.server.keepAliveTimeout = 1_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }

  private onVerification(received: Received, res: import('node:http').ServerResponse): void {
    const n = this.verifications.push(received) - 1;
    if (!received.authOk) {
      res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":"unauthorized"}');
      return;
    }
    const answer = this.answerVerification(received.json, n);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let answered = false;
    const timer = setTimeout(() => {
      answered = true;
      this.inFlight--;
      const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {});
      res.writeHead(answer.status ?? 200, { 'Content-Type': 'application/json' }).end(body);
    }, answer.delayMs ?? 20);
    res.on('close', () => {
      if (answered) return;
      clearTimeout(timer);
      this.inFlight--;
      this.dropped++;
    });
  }

  private onNotification(received: Received, res: import('node:http').ServerResponse): void {
    const signature = received.headers['content-signature'];
    const check = (key: string): boolean | null =>
      typeof signature === 'string'
        ? verify('sha256', received.bytes, key, Buffer.from(signature, 'base64'))
        : null;
    const n =
      this.notifications.push({
        ...received,
        signatureOkPem: check(this.publicKeyPem),
        signatureOkBase64: check(wrapBase64Key(this.publicKeyBase64)),
      }) - 1;
    if (!received.authOk) {
      res.writeHead(401).end();
      return;
    }
    const timer = setTimeout(
      () => res.writeHead(this.answerNotification(n), { 'Content-Type': 'text/plain' }).end('OK'),
      this.notificationDelayMs(n),
    );
    res.on('close', () => clearTimeout(timer));
  }
}

/** What bePaid's PHP SDK does with the back office's key: wrap at 64 columns in PEM armour. */
export function wrapBase64Key(b64: string): string {
  const body = b64
    .replace(/\s+/g, '')
    .match(/.{1,64}/g)!
    .join('\n');
  return `-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----\n`;
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

function tryJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
