import { DataSource, type DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities/index.js';
import { MIGRATIONS } from './migrations/index.js';

export interface DbOptions {
  url: string;
  poolSize?: number;
  applicationName?: string;
  /**
   * PostgreSQL's `plan_cache_mode` for the named statements ({@link runPrepared}, preparedQuery):
   * `force_generic_plan` (the default: the API's reads, index lookups by parameter) plans each
   * once per connection. `auto` (the worker) lets PostgreSQL plan a statement on `transactions`
   * for its values: the generic plan of a statement on a partitioned table keeps every partition
   * and locks them all at each run, where the custom plan keeps the one partition of the account.
   */
  planCacheMode?: 'force_generic_plan' | 'auto';
}

/** TypeORM options shared by the API, the worker, the CLI and the tests. Never `synchronize`. */
export function dataSourceOptions(o: DbOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: o.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: {
      max: o.poolSize ?? 10,
      application_name: o.applicationName ?? 'hisob',
      // Only the named statements of `preparedQuery` are cached plans (TypeORM's and every other
      // query are unnamed: always planned for their values). Those are index lookups by parameter,
      // written for a generic plan; left on `auto`, PostgreSQL kept re-planning the one-query
      // account page (0.3 ms of planning for 0.05 ms of execution).
      options: `-c plan_cache_mode=${o.planCacheMode ?? 'force_generic_plan'}`,
    },
  };
}

export const createDataSource = (o: DbOptions): DataSource => new DataSource(dataSourceOptions(o));

/** Names of migrations defined in code that the database has not applied yet. */
export async function pendingMigrations(ds: DataSource): Promise<string[]> {
  const applied = new Set<string>(
    (await ds.query(`SELECT name FROM migrations`).catch(() => [])).map((r: { name: string }) => r.name),
  );
  return MIGRATIONS.map((m) => m.name).filter((n) => !applied.has(n));
}
