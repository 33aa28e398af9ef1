import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Associated data binding an encrypted webhook secret to its client (libs/crypto AAD). */
export const webhookSecretAad = (apiKeyId: string): string => `client-webhook-secret:${apiKeyId}`;

/** A Hisob client: another back end holding one API key. */
@Entity({ name: 'clients' })
export class ClientEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  /** Public half of the API key, used to find the row; the secret half is only hashed. */
  @Column({ name: 'api_key_id', type: 'text', unique: true })
  apiKeyId: string;

  @Column({ name: 'api_key_hash', type: 'text' })
  apiKeyHash: string;

  @Column({ name: 'webhook_url', type: 'text', nullable: true })
  webhookUrl: string | null;

  /** Where this client's consents may send the end user after the bank (exact URLs). */
  @Column({ name: 'redirect_uris', type: 'text', array: true, default: () => "'{}'" })
  redirectUris: string[];

  /** Webhook signing secret, encrypted (libs/crypto) because Hisob must read it back to sign. */
  @Column({ name: 'webhook_secret_enc', type: 'text' })
  webhookSecretEnc: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;
}
