import { createHash } from 'node:crypto';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';

/** Distinct statement texts remembered; hot reads have a few dozen shapes (filters × paging). */
const MAX_NAMES = 1000;
const names = new Map<string, string>();

/** The statement's server-side name: derived from its text, so one name never means two texts. */
function nameOf(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `h_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;
    if (names.size < MAX_NAMES) names.set(text, name);
  }
  return name;
}

/**
 * Runs a statement as a named, server-side prepared statement on TypeORM's `pg` pool: each pooled
 * connection parses and plans it once, then PostgreSQL reuses the plan (after its first five
 * custom plans, when the generic one is no worse). For the hot reads this is where the time went:
 * the one-query account page took 1.3-1.6 ms to plan and under 1 ms to run.
 *
 * Use it for statements whose text comes from a bounded set of shapes (values always go in
 * `params`), never for text built from user input. A DataSource that is not backed by a `pg`
 * pool (the EXPLAIN harness of the tests) runs the text through `DataSource.query` instead.
 * `rowMode: 'array'` returns each row as its values in column order.
 */
export async function preparedQuery<R extends QueryResultRow | unknown[]>(
  ds: DataSource,
  text: string,
  params: unknown[],
  rowMode?: 'array',
): Promise<R[]> {
  const pool = (ds as { driver?: { master?: Pool } }).driver?.master;
  if (!pool) {
    const rows: Array<Record<string, unknown>> = await ds.query(text, params);
    return (rowMode === 'array' ? rows.map((r) => Object.values(r)) : rows) as R[];
  }
  const result = await pool.query({
    name: nameOf(text),
    text,
    values: params,
    ...(rowMode ? { rowMode } : {}),
  });
  return result.rows as R[];
}

/** What a statement runs on: the pool (a DataSource) or one transaction's connection (its EntityManager). */
export type Executor = DataSource | EntityManager;

/** A statement's rows and the number of rows it affected (UPDATE/DELETE/INSERT) or returned. */
export interface Rows<R> {
  rows: R[];
  rowCount: number;
}

/**
 * {@link preparedQuery} on a DataSource's pool or inside a transaction: an EntityManager of
 * `DataSource.transaction` runs the named statement on that transaction's connection. The hot
 * statements of the sync engine go through here: each is parsed once per pooled connection and,
 * when its plan does not depend on the values (plan_cache_mode), planned once too — a keep-fresh
 * sync is some forty short statements, and parsing and planning them was most of PostgreSQL's
 * work (bench/keep-fresh, docs/benchmarks.md).
 */
export async function runPrepared<R extends QueryResultRow>(
  on: Executor,
  text: string,
  params: unknown[],
): Promise<Rows<R>> {
  type Parts = { driver?: { master?: Pool }; connection?: { driver?: { master?: Pool } } };
  const parts = on as Parts;
  const pool = parts.driver?.master ?? parts.connection?.driver?.master;
  if (!pool) {
    // Not backed by a `pg` pool (the EXPLAIN harness of the tests): its `query` gives the rows.
    const rows: unknown = await on.query(text, params);
    const list = (Array.isArray(rows) ? rows : []) as R[];
    return { rows: list, rowCount: list.length };
  }
  const query = { name: nameOf(text), text, values: params };
  const runner = (on as Partial<EntityManager>).queryRunner;
  const result = runner
    ? await ((await runner.connect()) as PoolClient).query<R>(query)
    : await pool.query<R>(query);
  return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length };
}
