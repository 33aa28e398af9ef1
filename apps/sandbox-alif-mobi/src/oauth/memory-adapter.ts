/**
 * An oidc-provider storage adapter kept in memory, one store per sandbox instance (the package's
 * own MemoryAdapter shares one module-level store, so two in-process sandboxes would see each
 * other's tokens). Clients live here too, which is what lets `POST /__sandbox/clients` add or
 * replace a client at run time.
 */

type Payload = Record<string, unknown> & {
  grantId?: string;
  uid?: string;
  userCode?: string;
  consumed?: number;
};

interface Entry {
  payload: Payload;
  expiresAt: number;
}

/**
 * Seconds an expired access token is kept, so that the OBP resources can answer an expired token
 * (OBP-20206) differently from an unknown one (OBP-20214). oidc-provider checks `exp` itself.
 */
const RETAIN_EXPIRED_S: Readonly<Record<string, number>> = { AccessToken: 86_400 };

const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

export class OidcStore {
  readonly entries = new Map<string, Entry>();
  readonly grants = new Map<string, Set<string>>();
  readonly sessionUids = new Map<string, string>();
  readonly userCodes = new Map<string, string>();
  readonly clients = new Map<string, Payload>();
  private writes = 0;

  get(key: string): Payload | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.payload;
  }

  set(key: string, payload: Payload, expiresIn: number | undefined): void {
    const expiresAt =
      typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY;
    this.entries.set(key, { payload, expiresAt });
    if (++this.writes % 1000 === 0) this.sweep();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [k, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(k);
  }

  /** The adapter class oidc-provider instantiates once per model name. */
  adapterClass(): new (model: string) => unknown {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const store = this;
    return class SandboxAdapter {
      constructor(private readonly model: string) {}

      private key(id: string): string {
        return `${this.model}:${id}`;
      }

      async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
        if (this.model === 'Client') {
          store.clients.set(id, payload);
          return;
        }
        const key = this.key(id);
        const retain = RETAIN_EXPIRED_S[this.model];
        store.set(key, payload, typeof expiresIn === 'number' && retain ? expiresIn + retain : expiresIn);
        if (this.model === 'Session' && typeof payload.uid === 'string')
          store.sessionUids.set(payload.uid, id);
        if (typeof payload.userCode === 'string') store.userCodes.set(payload.userCode, id);
        if (GRANTABLE.has(this.model) && payload.grantId) {
          const members = store.grants.get(payload.grantId) ?? new Set<string>();
          members.add(key);
          store.grants.set(payload.grantId, members);
        }
      }

      async find(id: string): Promise<Payload | undefined> {
        if (this.model === 'Client') return store.clients.get(id);
        return store.get(this.key(id));
      }

      async findByUid(uid: string): Promise<Payload | undefined> {
        const id = store.sessionUids.get(uid);
        return id === undefined ? undefined : store.get(this.key(id));
      }

      async findByUserCode(userCode: string): Promise<Payload | undefined> {
        const id = store.userCodes.get(userCode);
        return id === undefined ? undefined : store.get(this.key(id));
      }

      async consume(id: string): Promise<void> {
        const p = store.get(this.key(id));
        if (p) p.consumed = Math.floor(Date.now() / 1000);
      }

      async destroy(id: string): Promise<void> {
        if (this.model === 'Client') {
          store.clients.delete(id);
          return;
        }
        store.entries.delete(this.key(id));
      }

      async revokeByGrantId(grantId: string): Promise<void> {
        const members = store.grants.get(grantId);
        if (!members) return;
        for (const key of members) store.entries.delete(key);
        store.grants.delete(grantId);
      }
    };
  }
}
