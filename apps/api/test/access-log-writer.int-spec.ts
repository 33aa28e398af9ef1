import { createDataSource } from '#persistence/data-source.js';
import { AccessLogRepository } from '#persistence/repositories/access-log.repository.js';
import { createTestDatabase, type TestDatabase } from '#testing/db.js';
import { AccessLogWriter } from '../src/access-log/access-log-writer.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe(AccessLogWriter.name, () => {
  it('writes the reads of one event-loop turn in one transaction, each write waits for it, and writes group while one is in flight', async () => {
    const ds = createDataSource({ url: db.url, poolSize: 2 });
    await ds.initialize();
    try {
      const [client] = await ds.query(
        `INSERT INTO clients (name, api_key_id, api_key_hash, webhook_secret_enc) VALUES ('c', 'k', 'h', 'e') RETURNING id`,
      );
      const sut = new AccessLogWriter(new AccessLogRepository(ds));
      const row = (i: number) => ({
        clientId: client.id,
        consentId: null,
        endUserId: null,
        resource: 'transactions',
        recordCount: i,
        requestId: `r${i}`,
        method: 'GET',
        path: '/v1/x',
      });
      await Promise.all(Array.from({ length: 25 }, (_, i) => sut.write(row(i))));
      const rows = await ds.query(`SELECT request_id, xmin::text AS tx FROM access_log ORDER BY id`);
      expect(rows.map((r: { request_id: string }) => r.request_id)).toEqual(
        Array.from({ length: 25 }, (_, i) => `r${i}`),
      );
      expect(new Set(rows.map((r: { tx: string }) => r.tx)).size).toBe(1);

      // A failed insert fails every read of its batch (never a read without its log row).
      const bad = { ...row(99), clientId: '00000000-0000-0000-0000-000000000000' };
      const results = await Promise.allSettled([sut.write(row(100)), sut.write(bad)]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);

      // Group commit: reads that finish (in later event-loop turns) while an insert is in flight
      // join the next insert, and none is written twice or lost.
      const real = new AccessLogRepository(ds);
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      const sizes: number[] = [];
      const held = new AccessLogWriter({
        append: async (rows: Parameters<AccessLogRepository['append']>[0]) => {
          sizes.push(rows.length);
          if (sizes.length === 1) await gate;
          return real.append(rows);
        },
      } as AccessLogRepository);
      const writes = [held.write(row(200))];
      for (let i = 201; i <= 204; i++) {
        await new Promise((r) => setImmediate(r));
        writes.push(held.write(row(i)));
      }
      open();
      await Promise.all(writes);
      expect(sizes).toEqual([1, 4]);
      const grouped = await ds.query(
        `SELECT request_id, xmin::text AS tx FROM access_log WHERE request_id IN ('r200','r201','r202','r203','r204') ORDER BY id`,
      );
      expect(grouped.map((r: { request_id: string }) => r.request_id)).toEqual([
        'r200',
        'r201',
        'r202',
        'r203',
        'r204',
      ]);
      expect(new Set(grouped.map((r: { tx: string }) => r.tx)).size).toBe(2);
    } finally {
      await ds.destroy();
    }
  });
});
