import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { ReauthRequired, TokenExpired } from '#connectors/connector-errors.js';
import type { BankSession } from '#connectors/connector.js';
import { CONNECTORS, ConnectorRegistry } from '#connectors/registry.js';
import type { DriftReport } from '#connectors/revalidation.js';
import { CAPABILITIES, reads } from '#domain/permissions.js';
import { ConsentRepository } from '#persistence/repositories/consent.repository.js';
import { ConsentNotActive, ConsentSessions } from './consent-sessions.js';

/** Why a consent cannot be re-validated: it does not exist, is not active, or its provider has no pass. */
export class RevalidationRefused extends Error {
  override readonly name = 'RevalidationRefused';

  constructor(
    readonly reason: 'not_found' | 'not_active' | 'not_supported' | 'session_refused',
    message: string,
  ) {
    super(message);
  }
}

/** A report with the consent it was read under (the consent id is no secret; the session is never in it). */
export interface ConsentDriftReport extends DriftReport {
  readonly consentId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Runs a connector's re-validation pass (libs/connectors/src/revalidation.ts) under one consent:
 * its session from the same store the sync uses (decrypted with the keyring), only the resources
 * its permissions let Hisob read, and one refresh when the bank refuses the session — taken, as
 * for the sync, from a newer session stored meanwhile or a refresh grant stored before use.
 */
@Injectable()
export class ConsentRevalidation {
  constructor(
    private readonly ds: DataSource,
    private readonly consents: ConsentRepository,
    private readonly sessions: ConsentSessions,
    @Inject(CONNECTORS) private readonly connectors: ConnectorRegistry,
  ) {}

  /** Providers whose connector has a re-validation pass. */
  providers(): string[] {
    return this.connectors.providers().filter((p) => this.connectors.get(p).revalidate !== undefined);
  }

  /**
   * The pass under `consentId`.
   *
   * @throws {RevalidationRefused} no such consent, not active, no pass for its provider, or the bank
   *   refused the session even after a refresh.
   */
  async run(consentId: string, signal?: AbortSignal): Promise<ConsentDriftReport> {
    const consent = UUID.test(consentId) ? await this.consents.findById(consentId) : null;
    if (!consent) throw new RevalidationRefused('not_found', `consent ${consentId} not found`);
    const connector = this.connectors.has(consent.provider) ? this.connectors.get(consent.provider) : null;
    if (!connector?.revalidate)
      throw new RevalidationRefused(
        'not_supported',
        `provider ${consent.provider} has no re-validation pass`,
      );
    const current = await this.sessions.current(consentId);
    if (!current)
      throw new RevalidationRefused('not_active', `consent ${consentId} is ${consent.status}, not active`);
    const options = {
      reads: CAPABILITIES.filter((c) => reads(consent.permissions, c)),
      ...(signal ? { signal } : {}),
    };
    const pass = (session: BankSession) => connector.revalidate!(session, options);
    let report: DriftReport;
    try {
      report = await pass(current.session);
    } catch (err) {
      if (!(err instanceof TokenExpired || err instanceof ReauthRequired)) throw err;
      // As the sync does: a newer stored session, or one refresh grant, then once more.
      try {
        report = await pass(await this.sessions.refreshAfter(consentId, current.session));
      } catch (again) {
        if (again instanceof TokenExpired || again instanceof ReauthRequired)
          throw new RevalidationRefused(
            'session_refused',
            `the bank refused the consent's session (${again.kind})`,
          );
        if (again instanceof ConsentNotActive) throw new RevalidationRefused('not_active', again.message);
        throw again;
      }
    }
    return { ...report, consentId };
  }

  /**
   * The active consent of `provider` that lets the pass read the most: most permissions, then the
   * most recently synced. Null when the provider has no active consent.
   */
  async pickConsent(provider: string): Promise<string | null> {
    const rows: Array<{ id: string }> = await this.ds.query(
      `SELECT id FROM consents
        WHERE provider = $1 AND status = 'active' AND session_enc IS NOT NULL
        ORDER BY cardinality(permissions) DESC, last_synced_at DESC NULLS LAST, authorised_at DESC NULLS LAST
        LIMIT 1`,
      [provider],
    );
    return rows[0]?.id ?? null;
  }
}

/** The minimum of a Redis client the store needs (ioredis). */
export interface RedisLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<unknown>;
}

/**
 * The last re-validation report of each provider, in Redis, for the API's `/metrics` (the worker
 * serves no HTTP). Derived data: lost with Redis, it is read again at the next tick of the worker's
 * schedule, which finds no report and runs the pass. One key per provider:
 * `<HISOB_REDIS_PREFIX>:revalidation:<provider>`, the report as JSON (no secret in it).
 */
export class RevalidationStore implements OnApplicationShutdown {
  constructor(
    private readonly redis: RedisLike,
    private readonly prefix: string,
    private readonly owned: Redis | null = null,
  ) {}

  /** A store with its own connection (the worker's; closed on shutdown). */
  static connect(redisUrl: string, prefix: string): RevalidationStore {
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined); // a failed command is reported by the task that issued it
    return new RevalidationStore(redis, prefix, redis);
  }

  key(provider: string): string {
    return `${this.prefix}:revalidation:${provider}`;
  }

  async save(report: ConsentDriftReport): Promise<void> {
    await this.redis.set(this.key(report.provider), JSON.stringify(report));
  }

  async load(provider: string): Promise<ConsentDriftReport | null> {
    const text = await this.redis.get(this.key(provider));
    return text ? (JSON.parse(text) as ConsentDriftReport) : null;
  }

  onApplicationShutdown(): void {
    this.owned?.disconnect();
  }
}
