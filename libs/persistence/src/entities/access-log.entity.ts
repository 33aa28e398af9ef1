import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One row per data read served to a client (who read what, when, how many records). Append-only;
 * a bigint identity rather than a UUID because it is the highest-volume table and is read in
 * `(client_id, at, id)` order.
 */
@Entity({ name: 'access_log' })
export class AccessLogEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ name: 'client_id', type: 'uuid' })
  clientId: string;

  @Column({ name: 'consent_id', type: 'uuid', nullable: true })
  consentId: string | null;

  @Column({ name: 'end_user_id', type: 'text', nullable: true })
  endUserId: string | null;

  @Column({ type: 'text' })
  resource: string;

  @Column({ name: 'record_count', type: 'integer' })
  recordCount: number;

  @Column({ name: 'request_id', type: 'text' })
  requestId: string;

  @Column({ type: 'text' })
  method: string;

  @Column({ type: 'text' })
  path: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;
}
