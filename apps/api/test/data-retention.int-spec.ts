import { readFileSync } from 'node:fs';
import pg from 'pg';
import { loadWorkerConfig } from '#common/config.js';
import { CONSENT_DATA_TABLES } from '#persistence/repositories/consent-purge.repository.js';
import { IDEMPOTENCY_KEY_TTL_MS } from '#persistence/repositories/idempotency.repository.js';
import { createTestDatabase, type TestDatabase } from '#testing/db.js';
import { WEBHOOK_RETRY_WINDOW_MS } from '#webhooks/retry-policy.js';
import {
  LIFECYCLE_SWEEP_EVERY_MS,
  REFRESH_HORIZON_MS,
  SYNC_GRACE_MS,
} from '../../worker/src/lifecycle-sweeper.js';
import { SYNC_HISTORY_PRUNE_EVERY_MS } from '../../worker/src/processors/maintenance.processor.js';

/** docs/data-retention.md is what operators rely on: its figures and defaults must be the code's. */
const doc = readFileSync(new URL('../../../docs/data-retention.md', import.meta.url), 'utf8');

function section(heading: string): string {
  const start = doc.indexOf(heading);
  expect(start).toBeGreaterThanOrEqual(0);
  const rest = doc.slice(start + heading.length);
  const end = rest.search(/\n#{2,3} /);
  return end < 0 ? rest : rest.slice(0, end);
}

function tableRows(heading: string): string[][] {
  const body = section(heading);
  const table = body.slice(body.indexOf('\n|')).split('\n\n')[0]!;
  return table
    .trim()
    .split('\n')
    .slice(2)
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
}

const UNITS: Record<string, number> = { seconds: 1_000, minutes: 60_000, hours: 3_600_000 };
const toMs = (period: string) => {
  const [n, unit] = period.split(' ');
  return Number(n) * UNITS[unit!]!;
};

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

describe('docs/data-retention.md', () => {
  it('states the settings’ defaults as the configuration has them', () => {
    const config = loadWorkerConfig({ NODE_ENV: 'test' });
    const rows = tableRows('### Settings');
    expect(rows.map(([v]) => v)).toEqual([
      '`HISOB_RETENTION_DAYS`',
      '`HISOB_SYNC_INTERVAL_MINUTES`',
      '`HISOB_SYNC_OVERLAP_DAYS`',
      '`HISOB_SYNC_HISTORY_DAYS`',
    ]);
    for (const [variable, value] of rows) {
      const key = variable!.replaceAll('`', '') as keyof typeof config;
      expect({ key, value: Number(value) }).toEqual({ key, value: config[key] });
    }
  });

  it('states the fixed periods the code uses', () => {
    const periods = Object.fromEntries(tableRows('### Fixed periods').map(([what, p]) => [what, toMs(p!)]));
    expect(Object.values(periods)).toEqual([
      IDEMPOTENCY_KEY_TTL_MS,
      WEBHOOK_RETRY_WINDOW_MS,
      LIFECYCLE_SWEEP_EVERY_MS,
      REFRESH_HORIZON_MS,
      SYNC_GRACE_MS,
      SYNC_HISTORY_PRUNE_EVERY_MS,
    ]);
  });

  it('lists every table of the schema, and the purge removes each data table it names', async () => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    let tables: string[];
    try {
      tables = (
        await c.query<{ table_name: string }>(
          `SELECT table_name FROM information_schema.tables
            WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'migrations'
              -- a partition (transactions_p07) is part of its table, listed under the table's name
              AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = format('%I', table_name)::regclass AND c.relispartition)
            ORDER BY 1`,
        )
      ).rows.map((r) => r.table_name);
    } finally {
      await c.end();
    }
    const listed = tableRows('## 1. What is stored per consent').map(([t]) => t!.replaceAll('`', ''));
    expect([...listed].sort()).toEqual(tables);
    const purge = section('## 3. What the purge removes');
    for (const t of CONSENT_DATA_TABLES) expect(purge).toContain(`\`${t}\``);
    for (const t of ['webhook_events', 'msisdn', 'session_enc', 'sync_last_error'])
      expect(purge.toLowerCase()).toContain(t);
  });
});
