import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openLoop } from './open-loop.js';

/** Servers started by a test, closed after it. */
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A local server whose handler decides each answer (closed after the test); returns its base URL. */
async function serve(
  handle: (path: string, res: ServerResponse) => void,
  setup: (s: Server) => void = () => undefined,
): Promise<{ url: string; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url!);
    handle(req.url!, res);
  });
  setup(server);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths };
}

const json = (res: ServerResponse, status: number, body: string) => {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};

describe('openLoop', () => {
  it('sends rate × seconds requests on schedule and reads every response body', async () => {
    const big = 'x'.repeat(200_000); // several TCP reads per response
    const s = await serve((_p, res) => json(res, 200, `{"a":"${big}"}`));
    const r = await openLoop({
      baseUrl: s.url,
      paths: ['/one', '/two'],
      headers: { authorization: 'Bearer t' },
      rate: 200,
      seconds: 1,
      connections: 5,
    });
    expect(r).toMatchObject({ sent: 200, failed: 0 });
    expect(s.paths).toHaveLength(200);
    expect(new Set(s.paths)).toEqual(new Set(['/one', '/two']));
    expect(r.p50).toBeLessThan(r.p99 + 1e-9);
    expect(r.max).toBeGreaterThanOrEqual(r.p99);
  });

  it('charges a slow server for the requests that waited for a free connection', async () => {
    // 100 ms per answer, 2 connections, 50 requests a second: the server gives 20 answers a
    // second, so the queue keeps growing. Request k (due at 20k ms) ends at (⌊k/2⌋ + 1) × 100 ms:
    // about 100 + 30k ms after its scheduled time, 800 ms for the median, 1,520 ms for the last.
    const s = await serve((_p, res) => setTimeout(() => json(res, 200, '{}'), 100));
    const r = await openLoop({
      baseUrl: s.url,
      paths: ['/'],
      headers: {},
      rate: 50,
      seconds: 1,
      connections: 2,
    });
    expect(r.sent).toBe(50);
    expect(r.failed).toBe(0);
    expect(r.p50).toBeGreaterThan(650);
    expect(r.max).toBeGreaterThan(1450);
    expect(r.max).toBeLessThan(2200); // from the scheduled time, not from the start of the run
  });

  it('counts answers other than 200 as failed', async () => {
    let n = 0;
    const s = await serve((_p, res) => json(res, ++n % 4 === 0 ? 500 : 200, '{}'));
    const r = await openLoop({
      baseUrl: s.url,
      paths: ['/'],
      headers: {},
      rate: 100,
      seconds: 0.4,
      connections: 1,
    });
    expect(r).toMatchObject({ sent: 40, failed: 10 });
  });

  it('replaces connections the server closes between requests (keep-alive timeout)', async () => {
    const s = await serve(
      (_p, res) => json(res, 200, '{}'),
      (server) => {
        server.keepAliveTimeout = 20;
      },
    );
    // 20 requests a second over 2 connections: each sits idle ~100 ms, past the 20 ms timeout.
    const r = await openLoop({
      baseUrl: s.url,
      paths: ['/'],
      headers: {},
      rate: 20,
      seconds: 1,
      connections: 2,
    });
    expect(r).toMatchObject({ sent: 20, failed: 0 });
  });

  it('fails loudly on a response it cannot frame', async () => {
    const s = await serve((_p, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }); // chunked: no Content-Length
      res.end('{}');
    });
    await expect(
      openLoop({ baseUrl: s.url, paths: ['/'], headers: {}, rate: 10, seconds: 0.5, connections: 1 }),
    ).rejects.toThrow(/without Content-Length/);
  });
});
