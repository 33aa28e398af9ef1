import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import { ClientEntity } from '../entities/client.entity.js';
import { BEPAID_TABLES } from './bepaid.repository.js';

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
  /**
   * Marks the client deleted and, in the same transaction, removes its bePaid merchant data (shop
   * credentials, customer directory, payments and notifications): from then on bePaid's calls for
   * it are refused (401) and nothing of it is kept.
   */
  async softDelete(id: string): Promise<boolean> {
    return this.ds.transaction(async (em) => {
      const r = await this.repo(em).update({ id, deletedAt: IsNull() }, { deletedAt: () => 'now()' });
      if (!(r.affected ?? 0)) return false;
      for (const table of BEPAID_TABLES) await em.query(`DELETE FROM ${table} WHERE client_id = $1`, [id]);
      return true;
    });
  }
}
