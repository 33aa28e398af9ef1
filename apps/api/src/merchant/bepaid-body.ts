import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The routes whose raw bytes are kept (the notification's signature is over them). */
const RAW_BODY_ROUTES = new Set(['/bepaid/:client_id/notifications']);
/** The one route that takes CSV. */
const CSV_ROUTES = new Set(['/v1/merchant/customers/import']);

const RAW = Symbol('rawBody');
type WithRaw = FastifyRequest & { [RAW]?: Buffer };

/** The exact bytes of the request body, on the routes that keep them. */
export const rawBodyOf = (req: FastifyRequest): Buffer | undefined => (req as WithRaw)[RAW];

/**
 * Body handling of the bePaid routes, on the API's one Fastify instance (the global body limit
 * and input guard still apply):
 * - bePaid signs the notification's raw bytes, so on that route a `preParsing` hook copies the
 *   bytes as they stream to the JSON parser (the parser, its limit and its errors stay Fastify's);
 * - the customer import also takes `text/csv`, parsed into the JSON import's shape; on any other
 *   route a CSV body is a 415 like every other non-JSON body.
 */
export function registerBepaidBodies(fastify: FastifyInstance): void {
  fastify.addHook('preParsing', (req, _reply, payload, done) => {
    if (!RAW_BODY_ROUTES.has(req.routeOptions.url ?? '')) return done(null, payload);
    const chunks: Buffer[] = [];
    const tee = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb(null, chunk);
      },
      flush(cb) {
        (req as WithRaw)[RAW] = Buffer.concat(chunks);
        cb();
      },
    });
    payload.on('error', (err) => tee.destroy(err));
    done(null, payload.pipe(tee));
  });

  fastify.addContentTypeParser('text/csv', { parseAs: 'string' }, (req, body, done) => {
    if (!CSV_ROUTES.has(req.routeOptions.url ?? '')) {
      const err = Object.assign(new Error('Send the request body as application/json'), {
        code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
        statusCode: 415,
      });
      return done(err, undefined);
    }
    try {
      done(null, { customers: parseCustomerCsv(body as string) });
    } catch (err) {
      done(Object.assign(err as Error, { statusCode: 400 }), undefined);
    }
  });
}

/**
 * A CSV customer directory (RFC 4180: commas, double-quoted fields, CRLF or LF) with the header
 * line `account,status,min_amount,max_amount` (columns in any order; the limits optional) into
 * objects of the JSON import's shape. Empty lines are skipped.
 */
export function parseCustomerCsv(text: string): Array<Record<string, string>> {
  const rows = parseCsv(text.replace(/^\ufeff/, ''));
  const header = rows.shift();
  if (!header) throw new Error('the CSV has no header line');
  const names = header.map((h) => h.trim().toLowerCase());
  for (const required of ['account', 'status'])
    if (!names.includes(required)) throw new Error(`the CSV header has no ${required} column`);
  return rows
    .filter((r) => !(r.length === 1 && r[0] === ''))
    .map((r) => {
      if (r.length !== names.length)
        throw new Error('a CSV line has a different number of fields than the header');
      const o: Record<string, string> = {};
      names.forEach((n, i) => {
        if (n === 'account' || n === 'status' || n === 'min_amount' || n === 'max_amount')
          o[n] = r[i]!.trim();
      });
      return o;
    });
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else field += c;
    i++;
  }
  if (quoted) throw new Error('the CSV ends inside a quoted field');
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
