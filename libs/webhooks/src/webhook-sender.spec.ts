import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendWebhook, type WebhookRequest } from './webhook-sender.js';

describe('sendWebhook destinations', () => {
  let server: Server;
  let port: number;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits++;
      if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
        return res.end();
      }
      req.resume().on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => (hits = 0));

  const send = (url: string, allowPrivateAddresses?: boolean) => {
    const r: WebhookRequest = {
      url,
      body: '{"id":"e1"}',
      secret: 'whsec_test',
      eventId: 'e1',
      eventType: 'sync.succeeded',
      timeoutMs: 2000,
      allowPrivateAddresses,
    };
    return sendWebhook(r);
  };

  it.each([
    'http://127.0.0.1:PORT/hook',
    'http://localhost:PORT/hook',
    'http://[::1]:PORT/hook',
    'http://[::ffff:127.0.0.1]:PORT/hook',
    'http://2130706433:PORT/hook',
    'http://0177.0.0.1:PORT/hook',
    'http://0x7f.1:PORT/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://10.1.2.3/hook',
    'https://192.168.0.10/hook',
    'http://[fd00:ec2::254]/hook',
  ])('refuses %s for good, without sending', async (url) => {
    const result = await send(url.replace('PORT', String(port)));
    expect(result).toMatchObject({ ok: false, status: null, permanent: true });
    expect(result.ok || result.error).toMatch(/^destination refused: /);
    expect(result.ok || result.error).not.toContain('/hook');
    expect(hits).toBe(0);
  });

  it('delivers to loopback when private addresses are allowed (sandboxes, tests)', async () => {
    expect(await send(`http://127.0.0.1:${port}/hook`, true)).toEqual({ ok: true, status: 204 });
    expect(await send(`http://localhost:${port}/hook`, true)).toEqual({ ok: true, status: 204 });
    expect(hits).toBe(2);
  });

  it('does not follow redirects', async () => {
    const result = await send(`http://127.0.0.1:${port}/redirect`, true);
    expect(result).toMatchObject({ ok: false, status: 302, error: 'HTTP 302' });
    expect(hits).toBe(1);
  });
});
