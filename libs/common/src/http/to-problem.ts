import { HttpException } from '@nestjs/common';
import { HisobError, PROBLEM_STATUS, type FieldError, type ProblemCode } from './problem.js';

export interface ProblemParts {
  code: ProblemCode;
  detail: string;
  errors?: FieldError[];
  headers?: Record<string, string>;
  /** Unknown errors are logged with their stack; the client sees only the request id. */
  unexpected?: boolean;
  /** A PostgreSQL data error that validation should have caught (logged as a warning). */
  badValue?: string;
}

/**
 * The SQLSTATE of a PostgreSQL error (pg's DatabaseError, or TypeORM's QueryFailedError around
 * it), else null. Told apart from other `code`s (Fastify's `FST_…`, Node's `ECONNRESET`) by pg's
 * `severity` field.
 */
export function postgresCode(err: unknown): string | null {
  const e = err as { driverError?: unknown; code?: unknown; severity?: unknown } | null;
  const db = (e?.driverError ?? e) as { code?: unknown; severity?: unknown } | null;
  return db && typeof db.severity === 'string' && typeof db.code === 'string' && /^[0-9A-Z]{5}$/.test(db.code)
    ? db.code
    : null;
}

/**
 * Class 22 (data exception: 22P02 bad text representation, 22007/22008 bad or out-of-range
 * dates, 22021 bad encoding, 22003 numeric out of range…) and 54000 (e.g. a key too long for an
 * index) are caused by a value in the request: a 400, never a 500, even where validation missed it.
 */
export const isBadValueCode = (code: string): boolean => code.startsWith('22') || code === '54000';

const BY_STATUS: Partial<Record<number, ProblemCode>> = {
  400: 'validation_failed',
  401: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'idempotency_conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/**
 * Turns anything thrown while serving a request — our HisobError, a Nest HttpException, or an
 * error raised by Fastify before a handler ran (body parser, content-type) — into problem parts.
 * Anything else is an `internal_error` whose detail never reaches the client.
 */
export function toProblem(err: unknown): ProblemParts {
  if (err instanceof HisobError) {
    return { code: err.code, detail: err.detail, errors: err.options.errors, headers: err.options.headers };
  }
  // Nest wraps Fastify's own 4xx errors (body parser, content type) in an HttpException whose
  // cause is the Fastify error: judge those by the original code.
  if (
    err instanceof HttpException &&
    typeof (err.cause as { code?: unknown } | undefined)?.code === 'string'
  ) {
    const inner = toProblem(err.cause);
    if (inner.code !== 'internal_error') return inner;
  }
  const fastifyCode = (err as { code?: unknown } | null)?.code;
  switch (fastifyCode) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'payload_too_large', detail: 'The request body exceeds the size limit' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'unsupported_media_type', detail: 'Send the request body as application/json' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return {
        code: 'validation_failed',
        detail: 'The request body is not valid JSON',
        errors: [{ field: 'body', message: 'malformed JSON' }],
      };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const code = BY_STATUS[status];
    if (code) {
      const response = err.getResponse();
      const message =
        typeof response === 'object' && response && 'message' in response
          ? (response as { message: unknown }).message
          : err.message;
      const detail = Array.isArray(message) ? message.join('; ') : String(message);
      return { code, detail: code === 'not_found' ? 'No such resource' : detail };
    }
  }
  const pgCode = postgresCode(err);
  if (pgCode && isBadValueCode(pgCode)) {
    return {
      code: 'validation_failed',
      detail: 'A value in the request is out of range or malformed',
      badValue: pgCode,
    };
  }
  // Fastify sets statusCode on its own 4xx errors (e.g. a JSON syntax error from the parser).
  const statusCode = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const code = BY_STATUS[statusCode] ?? 'validation_failed';
    return {
      code,
      detail:
        code === 'validation_failed' ? 'The request could not be parsed' : `Request failed (${statusCode})`,
    };
  }
  return {
    code: 'internal_error',
    detail: 'An unexpected error occurred; quote the request id when reporting it',
    unexpected: true,
  };
}

export const statusOf = (code: ProblemCode): number => PROBLEM_STATUS[code];
