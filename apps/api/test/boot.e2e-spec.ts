import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { json } from './harness.js';
import { createTestDatabase, type TestDatabase } from '#testing/db.js';

const run = promisify(execFile);

/**
 * The built API as a real process, as `npm start` runs it: CLI migrations, a client created with
 * the CLI, then REST. Its stdout (the JSON log) is checked for secrets.
 */
let db: TestDatabase;
let proc: ChildProcess;
let output = '';
// Below Linux's ephemeral range (32768-60999), where an outgoing connection of another suite may
// hold the port; and chosen again when the API still finds it taken.
const pickPort = () => 20000 + Math.floor(Math.random() * 12000);
let port = pickPort();
let url = `http://127.0.0.1:${port}`;
const env = () => ({
  ...process.env,
  NODE_ENV: 'test',
  DATABASE_URL: db.url,
  HISOB_API_PORT: String(port),
  HISOB_ADMIN_TOKEN: 'boot-admin-token',
  HISOB_LOG_LEVEL: 'info',
});

beforeAll(async () => {
  db = await createTestDatabase({ empty: true });
  await run(process.execPath, ['dist/apps/api/src/cli.js', 'migrate', 'up'], { env: env() });
  for (let attempt = 1; ; attempt++) {
    output = '';
    proc = spawn(process.execPath, ['dist/apps/api/src/main.js'], {
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    if (await ready()) return;
    if (attempt < 3 && output.includes('EADDRINUSE')) {
      await stop(proc);
      port = pickPort();
      url = `http://127.0.0.1:${port}`;
      continue;
    }
    throw new Error(`api did not become ready:\n${output}`);
  }
});

/** Whether the API answers /health/ready within 30 s (false at once when it exited). */
async function ready(): Promise<boolean> {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    try {
      if ((await fetch(`${url}/health/ready`)).ok) return true;
    } catch {
      /* not listening yet */
    }
    if (proc.exitCode !== null || proc.signalCode !== null) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

afterAll(async () => {
  if (proc) await stop(proc);
  await db.drop();
});

describe('the built API process', () => {
  it('serves /v1/providers to a client created with the CLI, and logs JSON without the key', async () => {
    const { stdout } = await run(
      process.execPath,
      ['dist/apps/api/src/cli.js', 'clients', 'create', '--name', 'cli-made'],
      {
        env: env(),
      },
    );
    const created = JSON.parse(stdout) as { id: string; api_key: string };
    const res = await fetch(`${url}/v1/providers`, {
      headers: { authorization: `Bearer ${created.api_key}` },
    });
    expect(res.status).toBe(200);
    expect((await json(res)).providers.map((p: { id: string }) => p.id)).toContain('alif-mobi');
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);

    await new Promise((r) => setTimeout(r, 200)); // let pino flush the last line
    const lines = output
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    expect(lines.some((l) => l.includes('"request_id"'))).toBe(true);
    expect(output).not.toContain(created.api_key);
  });

  it('deletes a client with the CLI: its key stops working and its consents are revoked, their purge scheduled', async () => {
    const { stdout } = await run(
      process.execPath,
      ['dist/apps/api/src/cli.js', 'clients', 'create', '--name', 'cli-deleted'],
      { env: env() },
    );
    const created = JSON.parse(stdout) as { id: string; api_key: string };
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const { rows } = await c.query<{ id: string }>(
        `INSERT INTO consents (client_id, provider, end_user_id, status, permissions, authorised_at)
         VALUES ($1, 'alif-mobi', 'cli-user', 'active', ARRAY['accounts'], now()) RETURNING id`,
        [created.id],
      );
      const deleted = await run(
        process.execPath,
        ['dist/apps/api/src/cli.js', 'clients', 'delete', created.id],
        {
          env: env(),
        },
      );
      expect(JSON.parse(deleted.stdout)).toEqual({ deleted: created.id });
      const consent = (
        await c.query(`SELECT status, status_reason, purge_after, revoked_at FROM consents WHERE id = $1`, [
          rows[0]!.id,
        ])
      ).rows[0];
      expect(consent).toMatchObject({ status: 'revoked', status_reason: 'client deleted' });
      expect(consent.purge_after.getTime()).toBeGreaterThan(consent.revoked_at.getTime());
    } finally {
      await c.end();
    }
    const res = await fetch(`${url}/v1/providers`, {
      headers: { authorization: `Bearer ${created.api_key}` },
    });
    expect(res.status).toBe(401);
  });

  it('shuts down cleanly on SIGTERM', async () => {
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) =>
      proc.once('exit', (code, signal) => r({ code, signal })),
    );
    proc.kill('SIGTERM');
    // Nest closes the app (pools, Redis) and then re-raises the signal, as a well-behaved process does.
    expect([
      { code: 0, signal: null },
      { code: null, signal: 'SIGTERM' },
    ]).toContainEqual(await exited);
    expect(output).not.toMatch(/"level":50/);
  });
});
