/**
 * What the benchmark scripts share: scratch databases next to DATABASE_URL's, child processes
 * started from `dist/` with their output kept for the error report, free ports, and the CPU time
 * of a process from /proc (which says, on a few shared cores, which side limits a rate).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import pg from 'pg';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `url` with its database name replaced. */
export function withDb(url: string, name: string): string {
  return Object.assign(new URL(url), { pathname: `/${name}` }).toString();
}

/** Runs one statement on the server's `postgres` database (CREATE / DROP DATABASE). */
export async function adminSql(baseUrl: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: withDb(baseUrl, 'postgres') });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Creates database `name` next to `baseUrl`'s and migrates it with the CLI (from `dist/`). */
export async function createMigratedDatabase(baseUrl: string, name: string): Promise<string> {
  await adminSql(baseUrl, `CREATE DATABASE "${name}"`);
  const url = withDb(baseUrl, name);
  migrateDatabase(url);
  return url;
}

/** Applies Hisob's migrations to the database at `url`, with the built CLI. */
export function migrateDatabase(url: string): void {
  execFileSync(process.execPath, ['dist/apps/api/src/cli.js', 'migrate', 'up'], {
    env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: url, HISOB_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 120_000,
  });
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * Node flags that write a V8 CPU profile of a child into `dir` (none without a `dir`). Nest
 * re-raises SIGTERM after closing, and no profile is written then: stop the child with SIGUSR2,
 * on which it exits normally.
 */
export function cpuProfileArgs(dir: string | undefined): string[] {
  if (!dir) return [];
  return [
    '--cpu-prof',
    `--cpu-prof-dir=${dir}`,
    '--import',
    'data:text/javascript,process.once("SIGUSR2",()=>process.exit(0))',
  ];
}

/**
 * The environment of Hisob's processes in a bench (the API and the worker): the bench's own
 * database, Redis and prefix, the API on `127.0.0.1:<apiPort>` with that public URL, warnings
 * only. The bench adds its bank's settings.
 */
export function hisobEnv(o: {
  dbUrl: string;
  redisUrl?: string;
  prefix: string;
  apiPort: number;
  adminToken: string;
}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: o.dbUrl,
    ...(o.redisUrl ? { REDIS_URL: o.redisUrl } : {}),
    HISOB_REDIS_PREFIX: o.prefix,
    HISOB_LOG_LEVEL: 'warn',
    HISOB_API_HOST: '127.0.0.1',
    HISOB_API_PORT: String(o.apiPort),
    HISOB_PUBLIC_URL: `http://127.0.0.1:${o.apiPort}`,
    HISOB_ADMIN_TOKEN: o.adminToken,
  };
}

/** The children a script started: stopped together on exit (see {@link stopChild}). */
export const children = new Set<ChildProcess>();

/** SIGTERM (SIGKILL after 10 s), and waits for the exit. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return void children.delete(child);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
  children.delete(child);
}

/** Starts `node <args>` with its output kept (the last 8 KB) for the error report. */
export function startChild(name: string, args: string[], env: NodeJS.ProcessEnv, command = process.execPath) {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let tail = '';
  const lines: string[] = [];
  const keep = (b: Buffer) => {
    tail = (tail + b.toString('utf8')).slice(-8192);
  };
  child.stdout!.on('data', (b: Buffer) => {
    keep(b);
    lines.push(...b.toString('utf8').split('\n').filter(Boolean));
  });
  child.stderr!.on('data', keep);
  return {
    child,
    output: () => tail,
    /** Resolves with the first stdout line that `match` accepts (bounded by `ms`). */
    async line(match: (l: string) => boolean, ms: number): Promise<string> {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const found = lines.find(match);
        if (found) return found;
        if (child.exitCode !== null) break;
        await sleep(25);
      }
      throw new Error(`${name} did not start:\n${tail}`);
    },
    /** Polls `url` until it answers 200 (bounded by `ms`). */
    async ready(url: string, ms: number): Promise<void> {
      const until = Date.now() + ms;
      while (Date.now() < until && child.exitCode === null) {
        const ok = await fetch(url).then(
          (r) => r.status === 200,
          () => false,
        );
        if (ok) return;
        await sleep(100);
      }
      throw new Error(`${name} did not become ready:\n${tail}`);
    },
  };
}

let CLK_TCK = 100;
try {
  CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5000 }).trim()) || 100;
} catch {
  /* Linux default */
}

/** CPU seconds (user + system) a process has used so far, from /proc; 0 once it is gone. */
export function cpuSeconds(pid: number | string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime, stime (fields 14, 15)
  } catch {
    return 0;
  }
}

/** CPU seconds so far of every process whose command name `match` accepts (from /proc). */
export function cpuSecondsOf(match: (comm: string) => boolean): number {
  let total = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let comm = '';
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (match(comm)) total += cpuSeconds(pid);
  }
  return total;
}

/** Registers the OAuth client `bench` (secret `bench-secret`) at a sandbox bank, for `redirectUri`. */
export async function registerBenchClient(bankUrl: string, redirectUri: string): Promise<void> {
  const res = await fetch(`${bankUrl}/__sandbox/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'bench', client_secret: 'bench-secret', redirect_uris: [redirectUri] }),
  });
  if (res.status >= 400) throw new Error(`sandbox client: ${res.status} ${await res.text()}`);
}

/** The integer option `name` of parsed `values`, within [min, max] (else a message naming it). */
export function intOption(values: Record<string, unknown>, name: string, min: number, max: number): number {
  const v = Number(values[name]);
  if (!Number.isSafeInteger(v) || v < min || v > max)
    throw new Error(`--${name} must be an integer in [${min}, ${max}]`);
  return v;
}
