import {
  HttpStatus,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { createHash } from 'node:crypto';
import { from, mergeMap, type Observable, catchError, throwError, of } from 'rxjs';
import { HisobError } from '#common/http/problem.js';
import { IdempotencyRepository } from '#persistence/repositories/idempotency.repository.js';
import type { ClientRequest } from '../auth/authenticated-client.js';

const KEY = /^[\x21-\x7e]{1,255}$/;

/** Canonical JSON: key order does not make two equal bodies different requests. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * `Idempotency-Key` on POST (api.md), scoped per client: the first request with a key runs and its
 * answer is stored; the fingerprint is the method, the full path with its query, and the canonical
 * JSON body;
 * a repeat with the same body gets that answer again (`Idempotent-Replayed: true`), never a second
 * effect. The same key with another body, or while the first is still running, is 409
 * `idempotency_conflict`. A request that fails releases its key so it can be retried.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly keys: IdempotencyRepository) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = ctx.switchToHttp();
    const req = http.getRequest<ClientRequest>();
    const reply = http.getResponse<FastifyReply>();
    const raw = req.headers['idempotency-key'];
    if (raw === undefined) return next.handle();
    const key = Array.isArray(raw) ? raw[0]! : raw;
    if (!KEY.test(key)) {
      throw HisobError.validation([
        { field: 'Idempotency-Key', message: 'must be 1-255 visible ASCII characters' },
      ]);
    }
    const clientId = req.client!.id;
    // The full path, not the route pattern: the same key on /v1/consents/A/sync and
    // /v1/consents/B/sync names two different requests (the second must not replay A's answer).
    const path = req.url;
    // The status Nest will send for this handler (its @HttpCode, else 201 for POST).
    const status: number = Reflect.getMetadata(HTTP_CODE_METADATA, ctx.getHandler()) ?? HttpStatus.CREATED;
    const hash = createHash('sha256')
      .update(`${req.method} ${path}\n${canonical(req.body)}`)
      .digest('hex');

    return from(this.keys.claim(clientId, key, req.method, path, hash)).pipe(
      mergeMap((existing) => {
        if (existing) {
          if (existing.requestHash !== hash) {
            throw new HisobError(
              'idempotency_conflict',
              'This Idempotency-Key was used with a different request',
            );
          }
          if (existing.statusCode === null) {
            throw new HisobError(
              'idempotency_conflict',
              'A request with this Idempotency-Key is still in progress',
            );
          }
          void reply.status(existing.statusCode).header('idempotent-replayed', 'true');
          return of(existing.responseBody);
        }
        return next.handle().pipe(
          mergeMap((body) => from(this.keys.complete(clientId, key, status, body).then(() => body))),
          catchError((err: unknown) =>
            from(this.keys.release(clientId, key)).pipe(mergeMap(() => throwError(() => err))),
          ),
        );
      }),
    );
  }
}
