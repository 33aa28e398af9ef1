import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { timingSafeEqual, createHash } from 'node:crypto';
import { APP_CONFIG, type ApiEnv } from '#common/config.js';
import { unauthorized } from './api-key.guard.js';
import { bearerToken } from './bearer.js';

/** Guards `/admin`: `Authorization: Bearer $HISOB_ADMIN_TOKEN`, compared in constant time. */
@Injectable()
export class AdminGuard implements CanActivate {
  private readonly expected: Buffer;
  constructor(@Inject(APP_CONFIG) config: ApiEnv) {
    this.expected = createHash('sha256').update(config.HISOB_ADMIN_TOKEN).digest();
  }

  canActivate(ctx: ExecutionContext): boolean {
    const token = bearerToken(ctx.switchToHttp().getRequest<FastifyRequest>());
    if (!token) throw unauthorized('Send the admin token as Authorization: Bearer <token>');
    const given = createHash('sha256').update(token).digest();
    if (!timingSafeEqual(given, this.expected)) throw unauthorized('The admin token is not valid');
    return true;
  }
}
