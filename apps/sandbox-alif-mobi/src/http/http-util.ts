/** Small helpers over node:http used by every part of the sandbox. */
import type { ServerResponse } from 'node:http';
export {
  BodyTooLargeError,
  parseForm,
  readBody,
  redirect,
  send,
  truncateResponse,
} from '../../../sandbox-kit/src/http.js';
import { send } from '../../../sandbox-kit/src/http.js';

/** A reply body that is JSON already (sent as is): its text, or its UTF-8 bytes. */
export class RawJson {
  constructor(readonly json: string | Buffer) {}

  /**
   * `{"<key>":[item,item,…]}` from the items' JSON texts, written straight into one buffer of the
   * exact size. A history page is 1,000 transactions (~1.3 MB): joining their texts into one
   * string and encoding that cost twice as much as the texts themselves (the join flattens a
   * rope of thousands of parts, then the whole text is copied again into bytes).
   */
  static array(key: string, items: readonly string[]): RawJson {
    const head = `{${JSON.stringify(key)}:[`;
    let size = Buffer.byteLength(head) + Math.max(0, items.length - 1) + 2;
    for (const item of items) size += Buffer.byteLength(item);
    const out = Buffer.allocUnsafe(size);
    let at = out.write(head);
    for (let i = 0; i < items.length; i++) {
      if (i > 0) at = out.writeUInt8(0x2c /* , */, at);
      at += out.write(items[i]!, at);
    }
    at += out.write(']}', at);
    if (at !== size) throw new Error(`RawJson.array wrote ${at} of ${size} bytes`);
    return new RawJson(out);
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const json = body instanceof RawJson ? body.json : JSON.stringify(body);
  send(res, status, json, 'application/json; charset=utf-8', headers);
}

export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string> = {},
): void {
  send(res, status, html, 'text/html; charset=utf-8', { 'Cache-Control': 'no-store', ...headers });
}
