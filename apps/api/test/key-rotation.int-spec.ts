import { Keyring } from '#crypto/keyring.js';
import { createDataSource } from '#persistence/data-source.js';
import { createTestDatabase, type TestDatabase } from '#testing/db.js';
import { rotateKeys } from '../src/admin/key-rotation.js';

const k = (kid: string, byte: number) => `${kid}:${Buffer.alloc(32, byte).toString('base64')}`;
const OLD = k('old', 1);
const NEW = k('new', 2);

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe('keys rotate', () => {
  it('re-encrypts every stored secret under the new key, after which the old key can go', async () => {
    const ds = createDataSource({ url: db.url, poolSize: 2 });
    await ds.initialize();
    try {
      const old = Keyring.parse(OLD);
      const [client] = await ds.query(
        `INSERT INTO clients (name, api_key_id, api_key_hash, webhook_secret_enc) VALUES ('c', 'kid1', 'x', $1) RETURNING id`,
        [old.encrypt('whsec_1', 'client-webhook-secret:kid1')],
      );
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const [{ id }] = await ds.query(
          `INSERT INTO consents (client_id, provider, end_user_id, status, permissions) VALUES ($1, 'alif-mobi', $2, 'active', '{accounts}') RETURNING id`,
          [client.id, `u${i}`],
        );
        await ds.query(`UPDATE consents SET session_enc = $2 WHERE id = $1`, [
          id,
          old.encrypt(`{"accessToken":"t${i}"}`, `consent:${id}:session`),
        ]);
        ids.push(id);
      }

      const both = Keyring.parse(`${NEW},${OLD}`);
      const sut = await rotateKeys(ds, both, 2);
      expect(sut).toEqual({
        active_key_id: 'new',
        consents_reencrypted: 5,
        clients_reencrypted: 1,
        merchants_reencrypted: 0,
        already_current: 0,
      });
      expect((await rotateKeys(ds, both)).consents_reencrypted).toBe(0);

      const onlyNew = Keyring.parse(NEW);
      for (const [i, id] of ids.entries()) {
        const [row] = await ds.query(`SELECT session_enc FROM consents WHERE id = $1`, [id]);
        expect(onlyNew.decrypt(row.session_enc, `consent:${id}:session`)).toBe(`{"accessToken":"t${i}"}`);
      }
      const [c] = await ds.query(`SELECT webhook_secret_enc FROM clients WHERE id = $1`, [client.id]);
      expect(onlyNew.decrypt(c.webhook_secret_enc, 'client-webhook-secret:kid1')).toBe('whsec_1');
    } finally {
      await ds.destroy();
    }
  });
});
