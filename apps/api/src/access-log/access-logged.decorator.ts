import { SetMetadata } from '@nestjs/common';
import type { ClientRequest } from '../auth/authenticated-client.js';

export interface AccessLogSpec<R = unknown> {
  /** What was read, e.g. `transactions`, `accounts`, `statement`. */
  resource: string;
  /** How many records the response disclosed. */
  count: (body: R) => number;
  /** The consent (and end user) whose data it was, when the read is under one consent. */
  subject?: (body: R, req: ClientRequest) => { consentId: string | null; endUserId: string | null };
}

export const ACCESS_LOG = Symbol('ACCESS_LOG');

/**
 * Marks a handler as a data read: the AccessLogInterceptor appends a row (who, what, when, how
 * many) before the response leaves, so a read that is not logged is a read that did not happen.
 */
export const AccessLogged = <R>(spec: AccessLogSpec<R>) => SetMetadata(ACCESS_LOG, spec);
