import { DataSource } from 'typeorm';
import { Keyring } from '#crypto/keyring.js';
import { webhookSecretAad } from '#persistence/entities/client.entity.js';
import { bepaidSecretAad } from '#persistence/repositories/bepaid.repository.js';
import { SessionVault } from '#persistence/session-vault.js';

export interface RotationReport {
  active_key_id: string;
  consents_reencrypted: number;
  clients_reencrypted: number;
  /** bePaid shops whose secret key was re-encrypted. */
  merchants_reencrypted: number;
  already_current: number;
}

/**
 * Key rotation (`npm run hisob -- keys rotate`): every encrypted value is re-encrypted under the
 * keyring's active (first) key, row by row, each in its own short transaction with the row locked
 * — a running API and worker keep working throughout, since every listed key still decrypts.
 * Once it reports zero left, the old key can be removed from HISOB_ENCRYPTION_KEY.
 */
export async function rotateKeys(ds: DataSource, keyring: Keyring, batch = 200): Promise<RotationReport> {
  const report: RotationReport = {
    active_key_id: keyring.activeKeyId,
    consents_reencrypted: 0,
    clients_reencrypted: 0,
    merchants_reencrypted: 0,
    already_current: 0,
  };
  const vault = new SessionVault(keyring);
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const ids: Array<{ id: string }> = await ds.query(
      `SELECT id FROM consents WHERE id > $1 AND (session_enc IS NOT NULL OR auth_pending_enc IS NOT NULL) ORDER BY id LIMIT $2`,
      [after, batch],
    );
    if (!ids.length) break;
    for (const { id } of ids) {
      await ds.transaction(async (em) => {
        const [row] = (await em.query(
          `SELECT session_enc, auth_pending_enc FROM consents WHERE id = $1 FOR UPDATE`,
          [id],
        )) as Array<{
          session_enc: string | null;
          auth_pending_enc: string | null;
        }>;
        if (!row) return;
        const reseal = (value: string | null, field: 'session' | 'auth_pending') =>
          value && keyring.needsReencryption(value) ? vault.reseal(id, field, value) : value;
        const session = reseal(row.session_enc, 'session');
        const pending = reseal(row.auth_pending_enc, 'auth_pending');
        if (session === row.session_enc && pending === row.auth_pending_enc) {
          report.already_current++;
          return;
        }
        await em.query(`UPDATE consents SET session_enc = $2, auth_pending_enc = $3 WHERE id = $1`, [
          id,
          session,
          pending,
        ]);
        report.consents_reencrypted++;
      });
    }
    after = ids.at(-1)!.id;
  }
  const clients: Array<{ id: string; api_key_id: string; webhook_secret_enc: string }> = await ds.query(
    `SELECT id, api_key_id, webhook_secret_enc FROM clients ORDER BY id`,
  );
  for (const c of clients) {
    if (!keyring.needsReencryption(c.webhook_secret_enc)) {
      report.already_current++;
      continue;
    }
    const value = keyring.reencrypt(c.webhook_secret_enc, webhookSecretAad(c.api_key_id));
    await ds.query(`UPDATE clients SET webhook_secret_enc = $2 WHERE id = $1 AND webhook_secret_enc = $3`, [
      c.id,
      value,
      c.webhook_secret_enc,
    ]);
    report.clients_reencrypted++;
  }
  const shops: Array<{ client_id: string; secret_key_enc: string }> = await ds.query(
    `SELECT client_id, secret_key_enc FROM bepaid_merchants ORDER BY client_id`,
  );
  for (const m of shops) {
    if (!keyring.needsReencryption(m.secret_key_enc)) {
      report.already_current++;
      continue;
    }
    const value = keyring.reencrypt(m.secret_key_enc, bepaidSecretAad(m.client_id));
    await ds.query(
      `UPDATE bepaid_merchants SET secret_key_enc = $2 WHERE client_id = $1 AND secret_key_enc = $3`,
      [m.client_id, value, m.secret_key_enc],
    );
    report.merchants_reencrypted++;
  }
  return report;
}
