import { Module } from '@nestjs/common';
import { ClientRepository } from '#persistence/repositories/client.repository.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { ApiKeyService } from './api-key.service.js';

/**
 * API-key authentication, shared by AppModule and the feature modules: a controller's
 * `@UseGuards(ApiKeyGuard)` is resolved in the controller's own module, so a feature module must
 * see ApiKeyService. There must be one instance per app: ApiKeyService caches verified keys for
 * 30 s and `DELETE /admin/clients/{id}` clears that cache through `forget()` — a second instance
 * would keep honouring a deleted client's key on its routes until the TTL ran out.
 */
@Module({
  providers: [ClientRepository, ApiKeyService, ApiKeyGuard],
  exports: [ClientRepository, ApiKeyService, ApiKeyGuard],
})
export class AuthModule {}
