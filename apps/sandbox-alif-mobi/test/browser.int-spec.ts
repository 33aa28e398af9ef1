import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as client from 'openid-client';
import { chromium, type Browser } from 'playwright-core';

import type { RunningSandbox } from '../src/main.js';
import { USER, control, discover, obpGet, startSandbox } from './helpers.js';

const ARTIFACTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test-artifacts');

describe('Alif Mobi sandbox: SCA in a real browser', () => {
  let sut: RunningSandbox;
  let browser: Browser;
  let callbackServer: Server;
  let redirectUri: string;

  beforeAll(async () => {
    sut = await startSandbox();
    callbackServer = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<h1>Back at the client</h1>');
    });
    await new Promise<void>((r) => callbackServer.listen(0, '127.0.0.1', r));
    redirectUri = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/v1/consents/callback`;
    await control(sut, 'POST', '/clients', {
      client_id: 'browser-client',
      client_secret: 'browser-client-secret',
      redirect_uris: [redirectUri],
      client_name: 'Hisob (browser test)',
    });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    await mkdir(ARTIFACTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => callbackServer.close(() => r()));
    await sut.close();
  });

  it('signs in with password and one-time code, shows the consent screen, and returns a usable code', async () => {
    const config = await discover(sut, 'browser-client', 'browser-client-secret');
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid offline_access accounts balances transactions cards transfers',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });

    const page = await browser.newPage();
    await page.goto(url.href);
    await page.fill('#username', USER.username);
    await page.fill('#password', USER.password);
    await Promise.all([page.waitForURL(/\/interaction\//), page.click('button.primary')]);
    await page.fill('#otp', USER.otp);
    await page.click('button.primary');
    await page.waitForSelector('ul.perms');
    expect(await page.locator('ul.perms li').count()).toBe(7);
    expect(await page.textContent('main')).toContain('Hisob (browser test)');
    await page.screenshot({ path: join(ARTIFACTS, 'alif-mobi-consent.png'), fullPage: true });

    await Promise.all([
      page.waitForURL((u) => u.href.startsWith(redirectUri)),
      page.click('button[value=allow]'),
    ]);
    const callback = new URL(page.url());
    expect(callback.searchParams.get('code')).toBeTruthy();
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    expect((await obpGet(sut, '/my/accounts', tokens.access_token)).status).toBe(200);
    await page.close();
  }, 60_000);
});
