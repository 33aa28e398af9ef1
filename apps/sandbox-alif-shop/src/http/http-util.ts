/** Small helpers over node:http. */
import type { ServerResponse } from 'node:http';

import { toJson } from './json.js';
export { BodyTooLargeError, readBody, send, truncateResponse } from '../../../sandbox-kit/src/http.js';
import { send } from '../../../sandbox-kit/src/http.js';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  send(res, status, toJson(body), 'application/json; charset=utf-8', headers);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.statusCode = status;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.end();
}
