import { Module } from '@nestjs/common';
import { ClientRepository } from '#persistence/repositories/client.repository.js';
import { ApiKeyGuard } from './api-key.guard.js';
import { ApiKeyService } from './api-key.service.js';

/**
 * API-key authentication for feature modules: a controller's `@UseGuards(ApiKeyGuard)` is resolved
 * in the controller's own module, so a feature module must see ApiKeyService.
 *
 * One instance per app matters: ApiKeyService caches verified keys for 30 s and
 * `DELETE /admin/clients/{id}` clears that cache through `forget()`; AppModule and every feature
 * module import this module, so there is one cache.
 */
@Module({
  providers: [ClientRepository, ApiKeyService, ApiKeyGuard],
  exports: [ClientRepository, ApiKeyService, ApiKeyGuard],
})
export class AuthModule {}
