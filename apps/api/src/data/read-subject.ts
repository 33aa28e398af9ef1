import type { AccessLogSpec } from '../access-log/access-logged.decorator.js';

/** Whose data a response disclosed: the access log's `consent_id` and `end_user_id`. */
export interface ReadSubject {
  consentId: string | null;
  endUserId: string | null;
}

const SUBJECT = Symbol('readSubject');

/**
 * Tags a response body with its subject under a symbol key: JSON serialisation skips symbol keys,
 * so the wire never sees it, while the access-log interceptor (which gets the body) can read it.
 * The service that checked the consent knows the subject; the body alone often does not (a
 * transaction carries no end user id).
 */
export function withSubject<T extends object>(body: T, subject: ReadSubject): T {
  Object.defineProperty(body, SUBJECT, { value: subject, enumerable: false });
  return body;
}

export function subjectOf(body: unknown): ReadSubject {
  const s = body && typeof body === 'object' ? (body as { [SUBJECT]?: ReadSubject })[SUBJECT] : undefined;
  return s ?? { consentId: null, endUserId: null };
}

/** The subject of a read that spans rows of several consents: named only when they share one. */
export function commonSubject(
  rows: ReadonlyArray<{ consentId: string; endUserId: string }>,
  endUserFilter?: string,
): ReadSubject {
  const consents = new Set(rows.map((r) => r.consentId));
  const users = new Set(rows.map((r) => r.endUserId));
  return {
    consentId: consents.size === 1 ? rows[0]!.consentId : null,
    endUserId: users.size === 1 ? rows[0]!.endUserId : (endUserFilter ?? null),
  };
}

/** `@AccessLogged` spec of a data read: the subject comes from the tagged body. */
export const dataRead = <R>(resource: string, count: (body: R) => number): AccessLogSpec<R> => ({
  resource,
  count,
  subject: (body) => subjectOf(body),
});
