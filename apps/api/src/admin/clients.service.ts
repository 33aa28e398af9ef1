import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { APP_CONFIG, type ApiEnv } from '#common/config.js';
import { HisobError } from '#common/http/problem.js';
import { ConsentRevocation } from '#consents/consent-revocation.js';
import { Keyring } from '#crypto/keyring.js';
import { generateApiKey, hashSecret, parseApiKey } from '#crypto/secrets.js';
import { webhookSecretAad, type ClientEntity } from '#persistence/entities/client.entity.js';
import { ClientRepository, type ClientChanges } from '#persistence/repositories/client.repository.js';
import { checkClientUrls } from './client-urls.js';

export interface ClientUrls {
  webhookUrl?: string | null;
  redirectUris?: string[];
}

export interface CreatedClient {
  client: ClientEntity;
  apiKey: string;
  webhookSecret: string;
}

/**
 * Creating, changing, listing and deleting clients — shared by the admin API and the CLI. Webhook
 * URLs must reach public addresses (unless `HISOB_ALLOW_PRIVATE_WEBHOOKS`), redirect URIs must be
 * exact https (or loopback http) URLs: both are checked here, so no path can store a bad one.
 */
@Injectable()
export class ClientsService {
  private readonly logger = new Logger(ClientsService.name);

  constructor(
    private readonly clients: ClientRepository,
    private readonly keyring: Keyring,
    @Inject(APP_CONFIG) private readonly config: Pick<ApiEnv, 'HISOB_ALLOW_PRIVATE_WEBHOOKS'>,
    /** Needed by `delete` only (the CLI builds it for that command alone). */
    @Optional() @Inject(ConsentRevocation) private readonly revocation: ConsentRevocation | null = null,
  ) {}

  create(name: string, urls: ClientUrls = {}): Promise<CreatedClient> {
    return this.createWithKey(name, urls, generateApiKey().key);
  }

  /** Creates a client holding a given key (the demo client's key is configured, not generated). */
  async createWithKey(name: string, urls: ClientUrls, apiKey: string): Promise<CreatedClient> {
    const key = parseApiKey(apiKey);
    if (!key) throw new Error('not a Hisob API key');
    await this.checkUrls(urls);
    const webhookUrl = urls.webhookUrl ?? null;
    const redirectUris = unique(urls.redirectUris ?? []);
    const webhookSecret = `whsec_${randomBytes(24).toString('base64url')}`;
    const client = await this.clients.create({
      name,
      apiKeyId: key.id,
      apiKeyHash: await hashSecret(key.secret),
      webhookUrl,
      redirectUris,
      // AAD binds the ciphertext to its purpose; a copied value cannot be decrypted as anything else.
      webhookSecretEnc: this.keyring.encrypt(webhookSecret, webhookSecretAad(key.id)),
    });
    this.logger.log({ client_id: client.id }, 'client created');
    return { client, apiKey, webhookSecret };
  }

  /** `PATCH /admin/clients/{id}`: a new webhook URL (null: none) and/or redirect URIs (replaced). */
  async update(id: string, urls: ClientUrls): Promise<ClientEntity> {
    await this.checkUrls(urls);
    const changes: ClientChanges = {};
    if (urls.webhookUrl !== undefined) changes.webhookUrl = urls.webhookUrl;
    if (urls.redirectUris !== undefined) changes.redirectUris = unique(urls.redirectUris);
    const client = await this.clients.update(id, changes);
    if (!client) throw HisobError.notFound('Client');
    this.logger.log({ client_id: id, changed: Object.keys(changes) }, 'client updated');
    return client;
  }

  private checkUrls(urls: ClientUrls): Promise<void> {
    return checkClientUrls(urls, { allowPrivate: this.config.HISOB_ALLOW_PRIVATE_WEBHOOKS });
  }

  list(): Promise<ClientEntity[]> {
    return this.clients.listActive();
  }

  /**
   * Deletes the client: its key stops working at once, then each of its consents is revoked at the
   * bank and at Hisob (jobs stopped, data purged after the retention period). Should this stop
   * half way, the worker's lifecycle sweeper revokes the consents left (a deleted client's consent
   * that is not revoked is due).
   */
  async delete(id: string): Promise<void> {
    if (!this.revocation) throw new Error('ClientsService.delete needs ConsentRevocation');
    if (!(await this.clients.softDelete(id))) throw HisobError.notFound('Client');
    const revoked = await this.revocation.revokeAllOfClient(id, 'client_deleted');
    this.logger.log({ client_id: id, consents_revoked: revoked }, 'client deleted');
  }
}

export const toClientResponse = (c: ClientEntity) => ({
  id: c.id,
  name: c.name,
  webhook_url: c.webhookUrl,
  redirect_uris: c.redirectUris ?? [],
  created_at: c.createdAt.toISOString(),
});

const unique = (values: readonly string[]): string[] => [...new Set(values)];
