/** node:http helpers shared by the sandbox banks (they share nothing with the client). */
import type { IncomingMessage, OutgoingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export class BodyTooLargeError extends Error {}

export async function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  return (await readBodyBytes(req, limit)).toString('utf8');
}

/** The request body's bytes as received (a signature's digest is over these). */
export async function readBodyBytes(req: IncomingMessage, limit = 64 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new BodyTooLargeError(`request body over ${limit} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.statusCode = status;
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', buf.length);
  res.end(res.req?.method === 'HEAD' ? undefined : buf);
}

export function redirect(res: ServerResponse, location: string, status = 303): void {
  res.statusCode = status;
  res.setHeader('Location', location);
  res.setHeader('Content-Length', 0);
  res.end();
}

type WriteCallback = (error?: Error | null) => void;

/**
 * Captures whatever the downstream handler writes (our own JSON or oidc-provider's Koa output)
 * and sends only the first half of the body: a "malformed" JSON reply. The status is 200 unless
 * the fault names one; other headers are kept, Content-Length is corrected.
 */
export function truncateResponse(res: ServerResponse, status: number | undefined): void {
  const chunks: Buffer[] = [];
  const originalEnd = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
  const originalWriteHead = res.writeHead.bind(res) as (code: number, ...rest: unknown[]) => ServerResponse;
  // node's end() calls writeHead() itself to emit the status line: let that call through.
  let finishing = false;
  const toBuffer = (chunk: unknown, encoding?: unknown): Buffer =>
    Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');

  const patched = res as unknown as {
    writeHead: (code: number, ...rest: unknown[]) => ServerResponse;
    write: (chunk: unknown, encoding?: unknown, cb?: unknown) => boolean;
    end: (chunk?: unknown, encoding?: unknown, cb?: unknown) => ServerResponse;
  };
  patched.writeHead = (code: number, ...rest: unknown[]) => {
    if (finishing) return originalWriteHead(code, ...rest);
    const headers = rest.find((r) => typeof r === 'object' && r !== null) as OutgoingHttpHeaders | undefined;
    if (headers && !Array.isArray(headers))
      for (const [k, v] of Object.entries(headers)) if (v !== undefined) res.setHeader(k, v);
    return res;
  };
  patched.write = (chunk: unknown, encoding?: unknown, cb?: unknown) => {
    if (chunk !== undefined && chunk !== null) chunks.push(toBuffer(chunk, encoding));
    const done = typeof encoding === 'function' ? encoding : cb;
    if (typeof done === 'function') (done as WriteCallback)();
    return true;
  };
  patched.end = (chunk?: unknown, encoding?: unknown, cb?: unknown) => {
    if (chunk !== undefined && chunk !== null && typeof chunk !== 'function')
      chunks.push(toBuffer(chunk, encoding));
    const full = Buffer.concat(chunks);
    const half = full.subarray(0, Math.floor(full.length / 2));
    res.statusCode = status ?? 200;
    res.removeHeader('Transfer-Encoding');
    res.setHeader('Content-Length', half.length);
    finishing = true;
    originalEnd(half);
    const done = [chunk, encoding, cb].find((x) => typeof x === 'function');
    if (done) (done as WriteCallback)();
    return res;
  };
}

/** Parses an `application/x-www-form-urlencoded` body. */
export function parseForm(body: string): URLSearchParams {
  return new URLSearchParams(body);
}

/**
 * Listens on `host:port` (port 0: any free port) and returns the port and the URL a client on
 * this machine reaches (a wildcard address is reached through 127.0.0.1; IPv6 in brackets).
 */
export async function listen(
  server: Server,
  port: number,
  host: string,
): Promise<{ port: number; url: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return { port: bound, url: `http://${urlHost}:${bound}` };
}
