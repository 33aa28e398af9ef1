/**
 * bePaid account verification latency: `POST /bepaid/{client_id}/account_verification` against the
 * real API (its own process: Basic auth with the encrypted secret, the input guard, one query for
 * the shop and the account, the payment recorded in one transaction with its advisory lock), next
 * to a bare Fastify server answering the same wire from an in-memory map (same directory, same
 * decision, same Basic auth check, idempotency in a Map), in the same run, at the same paced rate.
 *
 *   eval "$(bash scripts/infra.sh)" && npm run -s build && node dist/bench/bepaid-verify.js \
 *     [--customers 10000] [--rate 200] [--duration 10] [--warmup 2] [--rounds 2] [--connections 32]
 *
 * Requests are sent on a fixed schedule (`--rate` a second, evenly spaced) whatever the answers
 * do; each latency runs from the request's scheduled time to the end of its response (no
 * coordinated omission). Every request has a fresh bePaid id; accounts are drawn from the
 * directory (90 % active within limits, 5 % blocked, 5 % unknown), so every answer is a recorded
 * payment as in production. Rounds alternate bare, Hisob, bare, Hisob…; p50/p99 per round and the
 * median over rounds are printed. Any non-200 answer or an unexpected result fails the run.
 * The scratch database, both processes and the run's Redis keys are removed at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import pg from 'pg';
import { adminSql, hisobEnv, migrateDatabase, withDb } from './processes.js';
import { median, percentile } from './stats.js';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '200' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
    'serve-bare': { type: 'boolean', default: false },
  },
});
const int = (name: keyof typeof values, min: number, max: number): number => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`--${name} must be an integer in ${min}..${max}`);
  return n;
};
const CUSTOMERS = int('customers', 100, 1_000_000);
const RATE = int('rate', 1, 5000);
const DURATION = int('duration', 1, 600);
const WARMUP = int('warmup', 0, 60);
const ROUNDS = int('rounds', 1, 10);
const CONNECTIONS = int('connections', 1, 512);
const SHOP = { shop_id: 'bench-shop', secret_key: 'bench-secret-key-0123456789abcdef' };

const log = (s: string) => process.stdout.write(`${s}\n`);

/** The directory both servers hold: `cust-<i>`, every 20th blocked, limits 1.00–5000.00 TJS. */
function customer(i: number) {
  return { account: `cust-${i}`, status: i % 20 === 7 ? 'blocked' : 'active', min: 100n, max: 500_000n };
}

// ---------------------------------------------------------------- the bare server
async function serveBare(): Promise<void> {
  const directory = new Map<string, ReturnType<typeof customer>>();
  for (let i = 0; i < CUSTOMERS; i++) directory.set(customer(i).account, customer(i));
  const answers = new Map<string, unknown>();
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const expected = digest(`Basic ${Buffer.from(`${SHOP.shop_id}:${SHOP.secret_key}`).toString('base64')}`);
  const app = Fastify({ logger: false });
  app.post('/bepaid/:client_id/account_verification', async (req, reply) => {
    if (!timingSafeEqual(digest(String(req.headers.authorization ?? '')), expected))
      return reply.status(401).header('www-authenticate', 'Basic').send({ code: 'unauthorized' });
    const r = (req.body as { request?: Record<string, unknown> } | null)?.request;
    if (!r || typeof r.id !== 'string' || typeof r.account !== 'string' || !Number.isSafeInteger(r.amount))
      return {
        response: {
          id: null,
          tracking_id: null,
          amount: null,
          currency: null,
          result: 300,
          description: 'Other error',
        },
      };
    const first = answers.get(r.id);
    if (first) return first;
    const c = directory.get(r.account);
    const amount = BigInt(r.amount as number);
    const result = !c ? 5 : c.status !== 'active' ? 7 : amount < c.min ? 241 : amount > c.max ? 242 : 0;
    const answer = {
      response: {
        id: r.id,
        tracking_id: randomBytes(16).toString('hex'),
        amount: r.amount,
        currency: r.currency,
        result,
        description: 'x',
      },
    };
    answers.set(r.id, answer);
    return answer;
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  log(JSON.stringify({ port: (app.server.address() as AddressInfo).port }));
}

// ---------------------------------------------------------------- resources and their cleanup
const baseUrl = process.env.DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/hisob';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const runId = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const dbName = `hisob_bench_${runId}`;
const prefix = `hisob-bench-bepaid-${runId}`;
const adminToken = `bench-admin-${randomBytes(12).toString('hex')}`;
const dbUrl = withDb(baseUrl, dbName);
const children = new Set<ChildProcess>();
let dbCreated = false;

async function cleanup(): Promise<void> {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
  }
  if (dbCreated) await adminSql(baseUrl, `DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch {
    /* nothing of ours in Redis */
  } finally {
    redis.disconnect();
  }
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

function start(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out = (out + b.toString('utf8')).slice(-16_384)));
  child.stderr!.on('data', (b: Buffer) => (out = (out + b.toString('utf8')).slice(-16_384)));
  return {
    pid: child.pid!,
    output: () => out,
    async line(match: RegExp, ms: number): Promise<string> {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const m = out.split('\n').find((l) => match.test(l));
        if (m) return m;
        if (child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no line ${match} from the child:\n${out}`);
    },
  };
}

async function http(url: string, method: string, headers: Record<string, string>, body?: string) {
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${url} → ${res.status} ${text}`);
  return JSON.parse(text);
}

// ---------------------------------------------------------------- the paced load
interface Round {
  p50: number;
  p99: number;
  max: number;
  sent: number;
  /** CPU time the server process spent per request, in ms (from /proc). */
  cpuMs: number;
}

/** User + system CPU seconds of a process so far (Linux /proc). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * `rate` requests a second for `seconds`, each at its scheduled time over at most `connections`
 * keep-alive sockets; latency from the schedule to the end of the response.
 */
async function paced(
  base: string,
  clientId: string,
  seconds: number,
  tag: string,
  pid: number,
): Promise<Round> {
  const cpu0 = cpuSeconds(pid);
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const auth = `Basic ${Buffer.from(`${SHOP.shop_id}:${SHOP.secret_key}`).toString('base64')}`;
  const path = `/bepaid/${clientId}/account_verification`;
  const total = RATE * seconds;
  const latencies: number[] = [];
  const failures: string[] = [];
  const t0 = performance.now() + 20;
  let next = 0;
  await new Promise<void>((resolve) => {
    let done = 0;
    const fire = (i: number, due: number) => {
      const k = (i * 7919) % (CUSTOMERS + CUSTOMERS / 20);
      const account = k < CUSTOMERS ? `cust-${k}` : `nobody-${k}`;
      const body = JSON.stringify({
        request: {
          id: `${tag}-${i}`,
          account,
          amount: 1000 + (i % 400_000),
          currency: 'TJS',
          method: { type: 'alif_mobi' },
        },
      });
      const req = request(
        `${base}${path}`,
        {
          method: 'POST',
          agent,
          headers: {
            authorization: auth,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            latencies.push(performance.now() - due);
            const text = Buffer.concat(chunks).toString('utf8');
            const result =
              res.statusCode === 200
                ? (JSON.parse(text) as { response: { result: number } }).response.result
                : -1;
            const want = k >= CUSTOMERS ? 5 : customer(k).status === 'blocked' ? 7 : 0;
            if (result !== want && failures.length < 5)
              failures.push(`${res.statusCode} ${text.slice(0, 200)}`);
            if (++done === total) resolve();
          });
        },
      );
      req.on('error', (err) => {
        failures.push(String(err));
        if (++done === total) resolve();
      });
      req.end(body);
    };
    const tick = () => {
      const now = performance.now();
      while (next < total && t0 + (next * 1000) / RATE <= now) {
        fire(next, t0 + (next * 1000) / RATE);
        next++;
      }
      if (next < total) setTimeout(tick, Math.max(0, t0 + (next * 1000) / RATE - performance.now()));
    };
    tick();
  });
  agent.destroy();
  if (failures.length) throw new Error(`${tag}: unexpected answers: ${failures.join(' | ')}`);
  const sorted = Float64Array.from(latencies).sort();
  return {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1]!,
    sent: total,
    cpuMs: ((cpuSeconds(pid) - cpu0) * 1000) / total,
  };
}

async function main(): Promise<void> {
  await adminSql(baseUrl, `CREATE DATABASE "${dbName}"`);
  dbCreated = true;
  migrateDatabase(dbUrl);
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const api = start(
    ['--max-semi-space-size=64', 'dist/apps/api/src/main.js'],
    hisobEnv({ dbUrl, redisUrl, prefix, apiPort, adminToken }),
  );
  const bare = start([process.argv[1]!, '--serve-bare', '--customers', String(CUSTOMERS)], process.env);
  const barePort = (JSON.parse(await bare.line(/^\{"port"/, 30_000)) as { port: number }).port;
  for (let i = 0; ; i++) {
    if ((await fetch(`${apiUrl}/health`).catch(() => null))?.ok) break;
    if (i > 600) throw new Error(`the API did not start:\n${api.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const client = await http(
    `${apiUrl}/admin/clients`,
    'POST',
    { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    JSON.stringify({ name: 'bench-merchant' }),
  );
  const key = { authorization: `Bearer ${client.api_key}` };
  await http(
    `${apiUrl}/v1/merchant/bepaid`,
    'PUT',
    { ...key, 'content-type': 'application/json' },
    JSON.stringify(SHOP),
  );
  const csv = ['account,status,min_amount,max_amount'];
  for (let i = 0; i < CUSTOMERS; i++) {
    const c = customer(i);
    csv.push(`${c.account},${c.status},1.00,5000.00`);
  }
  for (let i = 1; i < csv.length; i += 20_000) {
    await http(
      `${apiUrl}/v1/merchant/customers/import`,
      'POST',
      { ...key, 'content-type': 'text/csv' },
      [csv[0], ...csv.slice(i, i + 20_000)].join('\n'),
    );
  }
  log(
    `bePaid verification: ${CUSTOMERS} customers, ${RATE} req/s for ${DURATION} s per round (${WARMUP} s warm-up), ${ROUNDS} rounds, ${CONNECTIONS} connections`,
  );
  const results = { bare: [] as Round[], hisob: [] as Round[] };
  const targets = [
    ['bare', `http://127.0.0.1:${barePort}`, bare.pid],
    ['hisob', apiUrl, api.pid],
  ] as const;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, url, pid] of targets) {
      if (WARMUP) await paced(url, client.id, WARMUP, `warm-${name}-${round}-${runId}`, pid);
      const r = await paced(url, client.id, DURATION, `run-${name}-${round}-${runId}`, pid);
      results[name].push(r);
      log(
        `  round ${round + 1} ${name.padEnd(5)} p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  max ${r.max.toFixed(1)} ms  CPU ${r.cpuMs.toFixed(2)} ms/request  (${r.sent} requests)`,
      );
    }
  }
  const m = (rs: Round[], k: 'p50' | 'p99') => median(rs.map((r) => r[k]));
  log(
    `median   bare  p50 ${m(results.bare, 'p50').toFixed(2)} ms  p99 ${m(results.bare, 'p99').toFixed(2)} ms`,
  );
  log(
    `median   hisob p50 ${m(results.hisob, 'p50').toFixed(2)} ms  p99 ${m(results.hisob, 'p99').toFixed(2)} ms`,
  );
  const c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  const [row] = (
    await c.query(`SELECT count(*)::int AS n, count(DISTINCT bepaid_id)::int AS ids FROM bepaid_payments`)
  ).rows;
  await c.end();
  log(`payments recorded by Hisob: ${row.n} (${row.ids} distinct ids)`);
}

if (values['serve-bare']) {
  void serveBare();
} else {
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  main()
    .then(cleanup, async (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      await cleanup();
      process.exitCode = 1;
    })
    .catch(() => (process.exitCode = 1));
}
