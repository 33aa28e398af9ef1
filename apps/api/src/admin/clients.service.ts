import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { HisobError } from '#common/http/problem.js';
import { Keyring } from '#crypto/keyring.js';
import { generateApiKey, hashSecret, parseApiKey } from '#crypto/secrets.js';
import { webhookSecretAad, type ClientEntity } from '#persistence/entities/client.entity.js';
import { ClientRepository } from '#persistence/repositories/client.repository.js';

export interface CreatedClient {
  client: ClientEntity;
  apiKey: string;
  webhookSecret: string;
}

/** Creating, listing and deleting clients — shared by the admin API and the CLI. */
@Injectable()
export class ClientsService {
  private readonly logger = new Logger(ClientsService.name);

  constructor(
    private readonly clients: ClientRepository,
    private readonly keyring: Keyring,
  ) {}

  create(name: string, webhookUrl: string | null): Promise<CreatedClient> {
    return this.createWithKey(name, webhookUrl, generateApiKey().key);
  }

  /** Creates a client holding a given key (the demo client's key is configured, not generated). */
  async createWithKey(name: string, webhookUrl: string | null, apiKey: string): Promise<CreatedClient> {
    const key = parseApiKey(apiKey);
    if (!key) throw new Error('not a Hisob API key');
    const webhookSecret = `whsec_${randomBytes(24).toString('base64url')}`;
    const client = await this.clients.create({
      name,
      apiKeyId: key.id,
      apiKeyHash: await hashSecret(key.secret),
      webhookUrl,
      // AAD binds the ciphertext to its purpose; a copied value cannot be decrypted as anything else.
      webhookSecretEnc: this.keyring.encrypt(webhookSecret, webhookSecretAad(key.id)),
    });
    this.logger.log({ client_id: client.id }, 'client created');
    return { client, apiKey, webhookSecret };
  }

  list(): Promise<ClientEntity[]> {
    return this.clients.listActive();
  }

  async delete(id: string): Promise<void> {
    if (!(await this.clients.softDelete(id))) throw HisobError.notFound('Client');
    this.logger.log({ client_id: id }, 'client deleted');
  }
}

export const toClientResponse = (c: ClientEntity) => ({
  id: c.id,
  name: c.name,
  webhook_url: c.webhookUrl,
  created_at: c.createdAt.toISOString(),
});
