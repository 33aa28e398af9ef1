import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ConsentEntity, ConsentStatus } from '#persistence/entities/consent.entity.js';
import { ConsentRepository } from '#persistence/repositories/consent.repository.js';
import { WebhookPublisher } from '#webhooks/webhook-publisher.js';

/**
 * The consent state machine (architecture.md "Consent lifecycle"):
 * `awaiting_authorisation | awaiting_otp` → `active | rejected`, then `expired | revoked |
 * reauth_required`; a re-authorisation takes `reauth_required` back to `active`. Revocation ends
 * every state. Terminal: `rejected` and `revoked` (a revoke of either is a no-op).
 */
const NEXT: Record<ConsentStatus, readonly ConsentStatus[]> = {
  awaiting_authorisation: ['active', 'rejected', 'revoked', 'expired'],
  awaiting_otp: ['active', 'rejected', 'revoked', 'expired'],
  active: ['expired', 'revoked', 'reauth_required'],
  reauth_required: ['active', 'expired', 'revoked'],
  expired: ['revoked'],
  rejected: ['revoked'],
  revoked: [],
};

export const canTransition = (from: ConsentStatus, to: ConsentStatus): boolean => NEXT[from].includes(to);

export class IllegalTransition extends Error {
  constructor(
    readonly from: ConsentStatus,
    readonly to: ConsentStatus,
  ) {
    super(`consent cannot go from ${from} to ${to}`);
  }
}

export interface TransitionOptions {
  reason?: string | null;
  /** Other columns written in the same statement (timestamps, secrets). */
  fields?: Partial<ConsentEntity>;
  /** Join the caller's transaction; otherwise one is opened. */
  em?: EntityManager;
}

/**
 * Every status change goes through here: the row is locked (and the consent's writer lock taken),
 * the move checked against the state machine, the new status and the `consent.status_changed` event written in one transaction — a
 * client never sees a status its webhooks did not announce, or the reverse.
 */
@Injectable()
export class ConsentLifecycle {
  private readonly logger = new Logger(ConsentLifecycle.name);

  constructor(
    private readonly ds: DataSource,
    private readonly consents: ConsentRepository,
    private readonly webhooks: WebhookPublisher,
  ) {}

  async transition(
    consentId: string,
    to: ConsentStatus,
    opts: TransitionOptions = {},
  ): Promise<ConsentEntity> {
    const run = async (em: EntityManager) => {
      const current = await this.consents.lockById(consentId, em);
      if (!current) throw new Error(`consent ${consentId} not found`);
      // Then the consent's writer lock, which every write of a sync takes before it checks the
      // status (SyncWriteRepository.fence): a page in flight commits before this change, and no
      // page, balance or coverage lands after it. Always in this order (row, then writer lock).
      await em.query(`SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))`, [consentId]);
      if (current.status === to) {
        if (opts.fields) await this.consents.update(consentId, opts.fields, em);
        return { consent: { ...current, ...opts.fields } as ConsentEntity, changed: false };
      }
      if (!canTransition(current.status, to)) throw new IllegalTransition(current.status, to);
      const reason = opts.reason ?? null;
      await this.consents.update(consentId, { ...opts.fields, status: to, statusReason: reason }, em);
      await this.webhooks.publish(
        current.clientId,
        'consent.status_changed',
        {
          consent_id: current.id,
          end_user_id: current.endUserId,
          provider: current.provider,
          previous_status: current.status,
          status: to,
          reason,
        },
        em,
      );
      this.logger.log(
        { consent_id: consentId, provider: current.provider, from: current.status, to, reason },
        'consent status changed',
      );
      return {
        consent: { ...current, ...opts.fields, status: to, statusReason: reason } as ConsentEntity,
        changed: true,
      };
    };
    const { consent } = opts.em ? await run(opts.em) : await this.ds.transaction(run);
    return consent;
  }
}
