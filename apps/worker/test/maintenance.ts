import type { DataSource } from 'typeorm';
import type { WorkerEnv } from '#common/config.js';
import type { ConsentJobs } from '#consents/consent-jobs.js';
import { SyncRepository } from '#persistence/repositories/sync.repository.js';
import { MaintenanceProcessor } from '../src/processors/maintenance.processor.js';

/**
 * The maintenance processor for a test of its database tasks (scheduling syncs, pruning the sync
 * history): the database, the config and, where syncs are started, ConsentJobs. The tasks under
 * test use nothing else; any other dependency is absent.
 */
export function maintenanceProcessor(
  ds: DataSource,
  config: WorkerEnv,
  jobs?: ConsentJobs,
): MaintenanceProcessor {
  const absent = null as never;
  return new MaintenanceProcessor(
    absent,
    ds,
    absent,
    absent,
    jobs ?? absent,
    absent,
    absent,
    absent,
    config,
    absent,
    new SyncRepository(ds),
  );
}
