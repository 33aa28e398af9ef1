/** Small helpers over node:http used by every part of the sandbox. */
import type { ServerResponse } from 'node:http';
export {
  BodyTooLargeError,
  parseForm,
  readBody,
  readBodyBytes,
  redirect,
  send,
  truncateResponse,
} from '../../../sandbox-kit/src/http.js';
import { send } from '../../../sandbox-kit/src/http.js';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  send(res, status, JSON.stringify(body), 'application/json; charset=utf-8', headers);
}

export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string> = {},
): void {
  send(res, status, html, 'text/html; charset=utf-8', { 'Cache-Control': 'no-store', ...headers });
}

/** A reply without a body (204, or a 500/503 for which the standard defines no body). */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.statusCode = status;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (status !== 204 && status !== 304) res.setHeader('Content-Length', 0);
  res.end();
}
