/**
 * The baseline of `bench/read.ts`: the least a server can do to serve Hisob's transaction page.
 * Fastify + `pg` (pool 10), no auth, no validation, no access log, no logger: parse the cursor,
 * run the same keyset query as TransactionQueryRepository.page (same columns, same
 * `(booking_date, id) < ($2, $3)` bound, limit + 1 rows to know whether a next page exists),
 * send the rows as JSON with the next cursor.
 *
 *   DATABASE_URL=… node dist/bench/bare-keyset-server.js [--port 0]
 *
 * Prints one line `{"port":<n>}` on stdout once listening; exits on SIGTERM / SIGINT.
 */
import Fastify from 'fastify';
import { parseArgs } from 'node:util';
import pg from 'pg';
// The very column list (and casts) the API selects, so both targets read and send the same data.
import { TRANSACTION_COLUMNS } from '../libs/persistence/src/repositories/transaction-query.repository.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });

const KEYSET = `SELECT ${TRANSACTION_COLUMNS} FROM transactions t
  WHERE t.account_id = $1 AND (t.booking_date, t.id) < ($2::date, $3::uuid)
  ORDER BY t.booking_date DESC, t.id DESC LIMIT $4`;

interface Row {
  id: string;
  date: string;
}

const app = Fastify({ logger: false });

app.get<{ Params: { id: string }; Querystring: { limit?: string; cursor?: string } }>(
  '/v1/accounts/:id/transactions',
  async (req, reply) => {
    const limit = Number.parseInt(req.query.limit ?? '100', 10);
    // The API's cursor: base64url JSON {"d": booking date, "id": transaction id}.
    const c = JSON.parse(Buffer.from(req.query.cursor ?? '', 'base64url').toString('utf8')) as {
      d: string;
      id: string;
    };
    const { rows } = await pool.query<Row>(KEYSET, [req.params.id, c.d, c.id, limit + 1]);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    void reply.header('content-type', 'application/json; charset=utf-8');
    return {
      transactions: page,
      next_cursor:
        rows.length > limit && last
          ? Buffer.from(JSON.stringify({ d: last.date, id: last.id })).toString('base64url')
          : null,
    };
  },
);

async function stop(): Promise<void> {
  await app.close().catch(() => undefined);
  await pool.end().catch(() => undefined);
  process.exit(0);
}
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());

await app.listen({ port: Number.parseInt(values.port!, 10), host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(
  `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
);
