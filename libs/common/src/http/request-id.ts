import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
const ACCEPTABLE = /^[A-Za-z0-9._:\-]{1,128}$/;

/**
 * The caller's `X-Request-Id` is echoed when it is a sane token (so their logs and ours join);
 * anything else — absent, too long, with spaces or control characters — gets a fresh UUID.
 */
export function requestIdFrom(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  const value = Array.isArray(given) ? given[0] : given;
  return value && ACCEPTABLE.test(value) ? value : randomUUID();
}
