import { Inject, Injectable, Logger } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { APP_CONFIG, type ApiEnv } from '#common/config.js';
import { PROVIDER_DEFINITIONS } from '#connectors/providers.js';
import { driftCounts } from '#connectors/revalidation.js';
import { RevalidationStore, type ConsentDriftReport } from '#consents/consent-revalidation.js';
import { RedisConnection } from '../infra/redis.provider.js';
import { MetricsService } from './metrics.service.js';

/**
 * The worker's last re-validation report of each provider, as gauges of the API's `/metrics` (the
 * worker serves no HTTP; it stores the report in Redis, where every API replica reads it at
 * scrape time):
 * - `hisob_provider_drift{provider,resource,kind}`: drift findings of the resource by kind
 *   (`unknown_field`, `missing_field`, `type_changed`, `new_enum_value`), and its calls that did
 *   not answer (`unsupported`, `forbidden`, `failed`); every kind present, 0 when clean;
 * - `hisob_provider_revalidated_timestamp_seconds{provider}`: when that report was finished.
 * A provider without a stored report has no series. Redis down: no series, never a failed scrape.
 */
@Injectable()
export class RevalidationMetrics {
  private readonly logger = new Logger(RevalidationMetrics.name);
  private readonly store: RevalidationStore;

  constructor(metrics: MetricsService, redis: RedisConnection, @Inject(APP_CONFIG) config: ApiEnv) {
    this.store = new RevalidationStore(redis.client, config.HISOB_REDIS_PREFIX);
    const reports = () => this.reports();
    new Gauge({
      name: 'hisob_provider_drift',
      help: 'Drift of the last re-validation pass by provider, resource and kind (findings, or calls not answered)',
      labelNames: ['provider', 'resource', 'kind'] as const,
      registers: [metrics.registry],
      async collect() {
        this.reset();
        for (const report of await reports())
          for (const c of driftCounts(report))
            this.set({ provider: report.provider, resource: c.resource, kind: c.kind }, c.value);
      },
    });
    new Gauge({
      name: 'hisob_provider_revalidated_timestamp_seconds',
      help: 'When the last re-validation pass of the provider finished (Unix seconds)',
      labelNames: ['provider'] as const,
      registers: [metrics.registry],
      async collect() {
        this.reset();
        for (const report of await reports())
          this.set({ provider: report.provider }, Math.floor(Date.parse(report.finishedAt) / 1000));
      },
    });
  }

  private async reports(): Promise<ConsentDriftReport[]> {
    try {
      const all = await Promise.all(PROVIDER_DEFINITIONS.map((d) => this.store.load(d.id)));
      return all.filter((r): r is ConsentDriftReport => r !== null);
    } catch (err) {
      this.logger.warn({ error: (err as Error).message }, 're-validation reports unreadable');
      return [];
    }
  }
}
