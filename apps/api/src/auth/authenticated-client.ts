import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

export interface AuthenticatedClient {
  id: string;
  name: string;
  /** Where this client's consents may send the end user back to (exact URLs). */
  redirectUris: readonly string[];
}

export type ClientRequest = FastifyRequest & { client?: AuthenticatedClient };

/** The client that the ApiKeyGuard authenticated for this request. */
export const CurrentClient = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AuthenticatedClient => {
    const client = ctx.switchToHttp().getRequest<ClientRequest>().client;
    if (!client) throw new Error('CurrentClient used on a route without ApiKeyGuard');
    return client;
  },
);
