/**
 * Benchmark of the Alif Mobi sandbox's data generator and page serving.
 *
 *   npm run build && node dist/bench/sandbox-generate.js [size=1000000] [seed=42]
 *
 * Prints the generation time of `size` postings (two years of history), the memory held, and the
 * latency of serving transaction pages (binary search on the completed date plus a slice; no
 * per-request sorting) through the real OBP handler.
 */
import type { IncomingMessage } from 'node:http';

import { RawJson } from '../apps/sandbox-alif-mobi/src/http/http-util.js';
import { ObpApi, type TokenVerifier } from '../apps/sandbox-alif-mobi/src/obp/obp-api.js';
import { Prng } from '../apps/sandbox-alif-mobi/src/seed/prng.js';
import { SandboxBank } from '../apps/sandbox-alif-mobi/src/seed/sandbox-bank.js';

const size = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? 42);
const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const t0 = process.hrtime.bigint();
const bank = new SandboxBank({ seed, size, anchorDate: '2026-06-30' });
const genMs = Number(process.hrtime.bigint() - t0) / 1e6;
const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
out(
  `generated ${bank.ledger.bySeq.length} postings (${bank.ledger.bookedCount} booked, ${bank.ledger.transfers.length} transfer requests) for size ${size}, seed ${seed}`,
);
out(`generation: ${(genMs / 1000).toFixed(2)} s, heap ${heapMb.toFixed(0)} MiB`);

const user = bank.catalog.users[0]!;
const verifier: TokenVerifier = {
  verify: async () => ({
    accountId: user.id,
    clientId: 'bench',
    scopes: new Set(['accounts', 'balances', 'transactions']),
  }),
};
const api = new ObpApi(bank, verifier, { bankId: 'alif.tj', strictPagingSource: false });
const account = bank.catalog.accounts.find((a) => a.userIndex === user.index)!;
const count = bank.ledger.books[account.index]!.postings.length;
const path = `/obp/v5.1.0/banks/alif.tj/accounts/${account.id}/owner/transactions`;
const rng = new Prng(seed, 0xbe4c);

async function page(headers: Record<string, string>): Promise<number> {
  const req = {
    method: 'GET',
    headers: { host: 'bench', authorization: 'Bearer bench', ...headers },
  } as unknown as IncomingMessage;
  const started = process.hrtime.bigint();
  const res = await api.handle(req, new URL(`http://bench${path}`));
  const body = res.body instanceof RawJson ? res.body.json : JSON.stringify(res.body);
  if (res.status !== 200 || body.length < 10) throw new Error(`unexpected reply ${res.status}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const runs = 2_000;
const latencies: number[] = [];
for (let i = 0; i < runs; i++) {
  const offset = rng.below(Math.max(1, count - 50));
  const headers: Record<string, string> = { limit: '50', offset: String(offset) };
  if (i % 2 === 1) {
    headers.from_date = '2025-01-01T00:00:00.000Z';
    headers.to_date = '2025-12-31T23:59:59.999Z';
    headers.offset = String(rng.below(Math.max(1, Math.floor(count / 3))));
  }
  latencies.push(await page(headers));
}
latencies.sort((a, b) => a - b);
const pct = (p: number): string =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(3);
out(
  `pages of 50 from an account of ${count} postings, ${runs} requests: p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${pct(100)} ms (handler + JSON, no network)`,
);
