import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { QUEUES } from '#common/queues.js';
import { ConsentRepository } from '#persistence/repositories/consent.repository.js';
import { SessionVault } from '#persistence/session-vault.js';
import { SyncRepository } from '#persistence/repositories/sync.repository.js';
import { WebhooksModule } from '#webhooks/webhooks.module.js';
import { ConsentJobs } from './consent-jobs.js';
import { ConsentLifecycle } from './consent-lifecycle.js';
import { ConsentRevocation } from './consent-revocation.js';
import { ConsentSessions } from './consent-sessions.js';
import { ConsentRevalidation } from './consent-revalidation.js';
import { connectorsProvider, requestBudgetProvider } from './connectors.provider.js';

/**
 * What the API and the worker share about consents: the state machine, the encrypted session
 * store, the connectors and the consent's jobs. The host app provides APP_CONFIG, Keyring,
 * TypeORM and `BullModule.forRoot`.
 */
@Module({
  imports: [
    BullModule.registerQueue(
      { name: QUEUES.sync },
      { name: QUEUES.tokenRefresh },
      { name: QUEUES.retentionPurge },
    ),
    WebhooksModule,
  ],
  providers: [
    ConsentRepository,
    SyncRepository,
    SessionVault,
    ConsentLifecycle,
    ConsentJobs,
    ConsentSessions,
    ConsentRevalidation,
    ConsentRevocation,
    requestBudgetProvider,
    connectorsProvider,
  ],
  exports: [
    ConsentRepository,
    SyncRepository,
    SessionVault,
    ConsentLifecycle,
    ConsentJobs,
    ConsentSessions,
    ConsentRevalidation,
    ConsentRevocation,
    connectorsProvider,
    BullModule,
    WebhooksModule,
  ],
})
export class ConsentsModule {}
