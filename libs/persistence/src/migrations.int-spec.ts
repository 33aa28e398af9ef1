import { createTestDatabase, type TestDatabase } from '#testing/db.js';
import { createDataSource } from './data-source.js';
import { MIGRATIONS } from './migrations/index.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ empty: true });
});
afterAll(() => db.drop());

const tables = async (sut: ReturnType<typeof createDataSource>) =>
  (
    await sut.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations' ORDER BY 1`,
    )
  ).map((r: { table_name: string }) => r.table_name);

describe('migrations', () => {
  it('migrate up from empty, all the way down, and up again', async () => {
    const sut = createDataSource({ url: db.url, poolSize: 1 });
    await sut.initialize();
    try {
      expect(await tables(sut)).toEqual([]);
      const first = await sut.runMigrations({ transaction: 'each' });
      expect(first.map((m) => m.name)).toEqual(MIGRATIONS.map((m) => m.name));
      const schema = await tables(sut);
      expect(schema).toEqual(expect.arrayContaining(['access_log', 'clients']));

      for (let i = 0; i < MIGRATIONS.length; i++) await sut.undoLastMigration({ transaction: 'each' });
      expect(await tables(sut)).toEqual([]);

      const again = await sut.runMigrations({ transaction: 'each' });
      expect(again).toHaveLength(MIGRATIONS.length);
      expect(await tables(sut)).toEqual(schema);
      expect(await sut.showMigrations()).toBe(false);
    } finally {
      await sut.destroy();
    }
  });

  it('stores money columns as numeric and ids as uuid', async () => {
    const sut = createDataSource({ url: db.url, poolSize: 1 });
    await sut.initialize();
    try {
      const cols: Array<{ table_name: string; column_name: string; data_type: string }> = await sut.query(
        `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public'`,
      );
      const floats = cols.filter((c) => ['real', 'double precision'].includes(c.data_type));
      expect(floats).toEqual([]);
      const moneyLike = cols.filter((c) =>
        /(^|_)(amount|balance|limit|principal|fee)(_after)?$/.test(c.column_name),
      );
      for (const c of moneyLike)
        expect({ ...c, data_type: c.data_type }).toEqual({ ...c, data_type: 'numeric' });
      const ids = cols.filter(
        (c) => c.column_name === 'id' && c.table_name !== 'migrations' && c.table_name !== 'access_log',
      );
      for (const c of ids) expect(c.data_type).toBe('uuid');
    } finally {
      await sut.destroy();
    }
  });
});
