import type { StoredCoverage } from '../coverage.js';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const CONSENT_STATUSES = [
  'awaiting_authorisation',
  'awaiting_otp',
  'active',
  'rejected',
  'expired',
  'revoked',
  'reauth_required',
] as const;
export type ConsentStatus = (typeof CONSENT_STATUSES)[number];

@Entity({ name: 'consents' })
export class ConsentEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'client_id', type: 'uuid' }) clientId: string;
  @Column({ type: 'text' }) provider: string;
  @Column({ name: 'end_user_id', type: 'text' }) endUserId: string;
  @Column({ type: 'text' }) status: ConsentStatus;
  @Column({ name: 'status_reason', type: 'text', nullable: true }) statusReason: string | null;
  @Column({ type: 'text', array: true }) permissions: string[];
  @Column({ name: 'valid_until', type: 'date', nullable: true }) validUntil: string | null;
  @Column({ name: 'redirect_uri', type: 'text', nullable: true }) redirectUri: string | null;
  @Column({ type: 'text', nullable: true }) msisdn: string | null;
  @Column({ name: 'auth_state', type: 'text', nullable: true }) authState: string | null;
  @Column({ name: 'authorisation_url', type: 'text', nullable: true }) authorisationUrl: string | null;
  @Column({ name: 'auth_pending_enc', type: 'text', nullable: true, select: false }) authPendingEnc:
    string | null;
  @Column({ name: 'session_enc', type: 'text', nullable: true, select: false }) sessionEnc: string | null;
  @Column({ name: 'token_expires_at', type: 'timestamptz', nullable: true }) tokenExpiresAt: Date | null;
  @Column({ name: 'refresh_job_id', type: 'text', nullable: true }) refreshJobId: string | null;
  @Column({ name: 'authorised_at', type: 'timestamptz', nullable: true }) authorisedAt: Date | null;
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true }) expiresAt: Date | null;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt: Date | null;
  @Column({ name: 'last_synced_at', type: 'timestamptz', nullable: true }) lastSyncedAt: Date | null;
  @Column({ name: 'sync_state', type: 'text', nullable: true }) syncState: string | null;
  @Column({ name: 'sync_last_error', type: 'text', nullable: true }) syncLastError: string | null;
  /** What the last sync could read of consent-wide resources (stored CoverageEntry JSON). */
  @Column({ type: 'jsonb', default: () => "'[]'" }) coverage: StoredCoverage[];
  @Column({ name: 'purge_after', type: 'timestamptz', nullable: true }) purgeAfter: Date | null;
  @Column({ name: 'purged_at', type: 'timestamptz', nullable: true }) purgedAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
