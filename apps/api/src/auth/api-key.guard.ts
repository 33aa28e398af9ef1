import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HisobError } from '#common/http/problem.js';
import { ApiKeyService } from './api-key.service.js';
import type { ClientRequest } from './authenticated-client.js';
import { bearerToken } from './bearer.js';

/** Guards every `/v1` route: `Authorization: Bearer <client API key>`. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly keys: ApiKeyService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<ClientRequest>();
    const token = bearerToken(req);
    if (!token) throw unauthorized('Send the client API key as Authorization: Bearer <key>');
    const client = await this.keys.authenticate(token);
    if (!client) throw unauthorized('The API key is not valid');
    req.client = client;
    return true;
  }
}

export const unauthorized = (detail: string): HisobError =>
  new HisobError('unauthorized', detail, { headers: { 'www-authenticate': 'Bearer realm="hisob"' } });
