import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProtocolViolation, Transient } from './connector-errors.js';
import { HttpClient } from './http.js';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/ok') return void res.writeHead(200, { 'x-test': 'yes' }).end('{"ok":true}');
    if (path === '/echo') return void res.writeHead(200).end(JSON.stringify(req.headers));
    if (path === '/slow') return void setTimeout(() => res.writeHead(200).end('late'), 500);
    if (path === '/slow-body') {
      res.writeHead(200);
      res.write('{"part":');
      return void setTimeout(() => res.end('1}'), 500);
    }
    if (path === '/reset') return void req.socket.destroy();
    if (path === '/cut') {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"transactions":[');
      return void setTimeout(() => req.socket.destroy(), 20);
    }
    if (path === '/503')
      return void res.writeHead(503).end('{"code":503,"message":"down","access_token":"leak"}');
    if (path === '/404') return void res.writeHead(404).end('{"code":404}');
    if (path === '/redirect') return void res.writeHead(302, { location: '/ok' }).end();
    if (path === '/big') return void res.writeHead(200).end('x'.repeat(2048));
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const sut = () => new HttpClient({ provider: 'alif-mobi', timeoutMs: 200, maxBodyBytes: 1024 });

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe('HttpClient', () => {
  it('returns status, headers and body text', async () => {
    const res = await sut().request({ url: new URL(`${base}/ok`) });
    expect(res).toMatchObject({ status: 200, text: '{"ok":true}', target: 'GET /ok' });
    expect(res.headers.get('x-test')).toBe('yes');
  });

  it('sends the given headers', async () => {
    const res = await sut().request({
      url: new URL(`${base}/echo`),
      headers: { limit: '50', from_date: '2026-01-01T00:00:00.000Z' },
    });
    expect(JSON.parse(res.text)).toMatchObject({ limit: '50', from_date: '2026-01-01T00:00:00.000Z' });
  });

  it('returns 4xx replies for the bank folder to map', async () => {
    expect((await sut().request({ url: new URL(`${base}/404`) })).status).toBe(404);
  });

  it('does not follow redirects', async () => {
    expect((await sut().request({ url: new URL(`${base}/redirect`) })).status).toBe(302);
  });

  it('maps a 5xx to Transient with a redacted excerpt', async () => {
    const err = await failure(sut().request({ url: new URL(`${base}/503`) }));
    expect(err).toBeInstanceOf(Transient);
    expect(err).toMatchObject({ status: 503, provider: 'alif-mobi' });
    expect((err as Transient).excerpt).not.toContain('leak');
  });

  it('maps a timeout before the headers to Transient', async () => {
    const err = await failure(sut().request({ url: new URL(`${base}/slow`) }));
    expect(err).toBeInstanceOf(Transient);
    expect((err as Error).message).toMatch(/within 200 ms/);
  });

  it('maps a timeout while reading the body to Transient', async () => {
    expect(await failure(sut().request({ url: new URL(`${base}/slow-body`) }))).toBeInstanceOf(Transient);
  });

  it('maps a connection reset to Transient', async () => {
    expect(await failure(sut().request({ url: new URL(`${base}/reset`) }))).toBeInstanceOf(Transient);
  });

  it('maps a body cut off mid-way to Transient', async () => {
    expect(await failure(sut().request({ url: new URL(`${base}/cut`) }))).toBeInstanceOf(Transient);
  });

  it('maps a refused connection to Transient and names the code', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await failure(sut().request({ url: new URL(`http://127.0.0.1:${port}/`) }));
    expect(err).toBeInstanceOf(Transient);
    expect((err as Error).message).toContain('ECONNREFUSED');
  });

  it('maps a cancellation by the caller to Transient', async () => {
    const controller = new AbortController();
    const pending = sut().request({
      url: new URL(`${base}/slow`),
      signal: controller.signal,
      timeoutMs: 5000,
    });
    controller.abort();
    const err = await failure(pending);
    expect(err).toBeInstanceOf(Transient);
    expect((err as Error).message).toContain('cancelled');
  });

  it('refuses a body above the size limit', async () => {
    expect(await failure(sut().request({ url: new URL(`${base}/big`) }))).toBeInstanceOf(ProtocolViolation);
  });
});
