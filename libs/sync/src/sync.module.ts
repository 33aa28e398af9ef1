import { Module } from '@nestjs/common';
import { ConsentsModule } from '#consents/consents.module.js';
import { SyncWriteRepository } from '#persistence/repositories/sync-write.repository.js';
import { SyncEngine } from './sync-engine.js';

@Module({
  imports: [ConsentsModule],
  providers: [SyncEngine, SyncWriteRepository],
  exports: [SyncEngine],
})
export class SyncModule {}
