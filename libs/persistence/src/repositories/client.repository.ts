import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import { ClientEntity } from '../entities/client.entity.js';

export interface NewClient {
  name: string;
  apiKeyId: string;
  apiKeyHash: string;
  webhookUrl: string | null;
  webhookSecretEnc: string;
  redirectUris?: string[];
}

export interface ClientChanges {
  webhookUrl?: string | null;
  redirectUris?: string[];
}

@Injectable()
export class ClientRepository {
  constructor(private readonly ds: DataSource) {}

  private repo(em?: EntityManager) {
    return (em ?? this.ds.manager).getRepository(ClientEntity);
  }

  async create(c: NewClient, em?: EntityManager): Promise<ClientEntity> {
    return this.repo(em).save(this.repo(em).create({ redirectUris: [], ...c, deletedAt: null }));
  }

  /** Changes a live client; null when there is none with this id. */
  async update(id: string, changes: ClientChanges): Promise<ClientEntity | null> {
    if (Object.keys(changes).length) {
      const r = await this.repo().update({ id, deletedAt: IsNull() }, changes);
      if (!r.affected) return null;
    }
    return this.findActive(id);
  }

  /** The live client owning this API key id, or null (deleted clients' keys stop working). */
  findActiveByKeyId(apiKeyId: string): Promise<ClientEntity | null> {
    return this.repo().findOne({ where: { apiKeyId, deletedAt: IsNull() } });
  }

  findActive(id: string): Promise<ClientEntity | null> {
    return this.repo().findOne({ where: { id, deletedAt: IsNull() } });
  }

  listActive(): Promise<ClientEntity[]> {
    return this.repo().find({ where: { deletedAt: IsNull() }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Soft delete: the key stops working at once; data under the client stays for the audit trail. */
  async softDelete(id: string): Promise<boolean> {
    const r = await this.repo().update({ id, deletedAt: IsNull() }, { deletedAt: () => 'now()' });
    return (r.affected ?? 0) > 0;
  }
}
