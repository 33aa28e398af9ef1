import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, mergeMap, type Observable } from 'rxjs';
import { AccessLogWriter } from './access-log-writer.js';
import type { ClientRequest } from '../auth/authenticated-client.js';
import { ACCESS_LOG, type AccessLogSpec } from './access-logged.decorator.js';

@Injectable()
export class AccessLogInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly log: AccessLogWriter,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<AccessLogSpec | undefined>(ACCESS_LOG, ctx.getHandler());
    if (!spec) return next.handle();
    const req = ctx.switchToHttp().getRequest<ClientRequest>();
    return next.handle().pipe(
      mergeMap((body) =>
        from(
          (async () => {
            const subject = spec.subject?.(body, req) ?? { consentId: null, endUserId: null };
            await this.log.write({
              clientId: req.client!.id,
              consentId: subject.consentId,
              endUserId: subject.endUserId,
              resource: spec.resource,
              recordCount: spec.count(body),
              requestId: String(req.id),
              method: req.method,
              path: req.routeOptions.url ?? req.url.split('?')[0]!,
            });
            return body;
          })(),
        ),
      ),
    );
  }
}
