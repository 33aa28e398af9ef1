/**
 * Hisob's error vocabulary (design/api.md "Errors"). Every error a client can see carries one of
 * these codes; the HTTP status comes from this one table and nowhere else.
 */
export const PROBLEM_STATUS = {
  validation_failed: 400,
  otp_invalid: 400,
  unauthorized: 401,
  permission_not_granted: 403,
  not_found: 404,
  method_not_allowed: 405,
  consent_not_active: 409,
  idempotency_conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  provider_unavailable: 502,
  service_unavailable: 503,
} as const;

export type ProblemCode = keyof typeof PROBLEM_STATUS;

const TITLES: Record<ProblemCode, string> = {
  validation_failed: 'Request validation failed',
  otp_invalid: 'The one-time password is not valid',
  unauthorized: 'Authentication required',
  permission_not_granted: 'The consent does not grant this permission',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  consent_not_active: 'The consent is not active',
  idempotency_conflict: 'Idempotency key reused with a different request',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  rate_limited: 'Too many requests',
  internal_error: 'Internal error',
  provider_unavailable: 'The provider is unavailable',
  service_unavailable: 'The service is temporarily unavailable',
};

export interface FieldError {
  field: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  request_id: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** A client-visible failure. Throw it from services; the ProblemFilter renders it. */
export class HisobError extends Error {
  readonly status: number;
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly options: { errors?: FieldError[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = 'HisobError';
    this.status = PROBLEM_STATUS[code];
  }

  static notFound(what: string): HisobError {
    return new HisobError('not_found', `${what} not found`);
  }

  static validation(errors: FieldError[], detail = 'The request has invalid fields'): HisobError {
    return new HisobError('validation_failed', detail, { errors });
  }
}

export function problemBody(
  code: ProblemCode,
  detail: string,
  requestId: string,
  errors?: FieldError[],
): ProblemBody {
  const body: ProblemBody = {
    type: `https://hisob.dev/problems/${code.replaceAll('_', '-')}`,
    title: TITLES[code],
    status: PROBLEM_STATUS[code],
    detail,
    code,
    request_id: requestId,
  };
  if (errors?.length) body.errors = errors;
  return body;
}
