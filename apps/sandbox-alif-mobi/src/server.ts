/**
 * Composition of the sandbox: one node:http server routing to the control API (`/__sandbox`),
 * the OBP resources (`/obp/...`) and the OAuth server (everything else), with injected faults
 * applied in front of the last two. Every reply carries `Correlation-Id` and
 * `Access-Control-Allow-Origin: *` (research notes §1.1).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

import type { SandboxConfig } from './config.js';
import { CONTROL_PREFIX, ControlApi } from './control/control-api.js';
import { FaultRegistry, type Fault } from './control/faults.js';
import { sendJson, truncateResponse } from './http/http-util.js';
import type { Logger } from './logger.js';
import { OAuthServer, TOKEN_PATH } from './oauth/oauth-server.js';
import { OBP_PREFIX, ObpApi } from './obp/obp-api.js';
import { OBP_MESSAGES, faultError, tooManyRequests } from './obp/obp-errors.js';
import { ProfileSet } from './profiles.js';
import { SandboxBank } from './seed/sandbox-bank.js';
import { listen } from '../../sandbox-kit/src/http.js';

export interface RunningSandbox {
  /** Base URL, e.g. http://127.0.0.1:4010 (also the OAuth issuer unless one was configured). */
  url: string;
  issuer: string;
  port: number;
  config: SandboxConfig;
  close(): Promise<void>;
}

export async function startServer(config: SandboxConfig, logger: Logger): Promise<RunningSandbox> {
  const started = process.hrtime.bigint();
  const profiles = new ProfileSet(config.profiles);
  // Without a fixed today the clock is live: today is the real UTC date (see SandboxBank).
  const clock = config.anchorDate === undefined ? Date.now : undefined;
  const bank = new SandboxBank({
    seed: config.seed,
    size: config.size,
    anchorDate: config.anchorDate ?? new Date().toISOString().slice(0, 10),
    clock,
  });
  logger.info(
    {
      seed: config.seed,
      size: config.sizeLabel,
      today: bank.today,
      clock: bank.live ? 'live' : 'fixed',
      profiles: config.profiles,
      transactions: bank.ledger.bookedCount,
      ms: Number((process.hrtime.bigint() - started) / 1_000_000n),
    },
    'sandbox data generated',
  );

  const faults = new FaultRegistry();
  const delays = new Map<NodeJS.Timeout, () => void>();
  let app: SandboxApp | undefined;

  const server: Server = createServer((req, res) => {
    const correlationId = headerValue(req, 'correlation-id') ?? randomUUID();
    res.setHeader('Correlation-Id', correlationId);
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (!app) {
      sendJson(res, 503, { error: 'starting' });
      return;
    }
    app.dispatch(req, res).catch((err: unknown) => {
      logger.error({ err, method: req.method, url: req.url }, 'unhandled error');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal_error', correlation_id: correlationId });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;

  const { port, url } = await listen(server, config.port, config.host);
  const issuer = config.issuer ?? url;

  try {
    const oauth = await OAuthServer.create({
      issuer,
      clients: config.clients,
      users: bank.catalog.users,
      otp: config.otp,
      logger,
      accessTokenTtlS: config.accessTokenTtlS,
      hydraScopes: profiles.has('hydra-scopes'),
    });
    const obp = new ObpApi(bank, oauth, {
      bankId: config.bankId,
      strictPagingSource: config.strictPagingSource,
      profiles,
      maxPageSize: config.maxPageSize,
    });
    const control = new ControlApi({
      bank,
      faults,
      oauth,
      logger,
      bankId: config.bankId,
      otp: config.otp,
      sizeLabel: config.sizeLabel,
      profiles: config.profiles,
      maxPageSize: config.maxPageSize,
      accessTokenTtlS: config.accessTokenTtlS,
    });
    app = new SandboxApp(control, obp, oauth, faults, delays, logger, bank, profiles);
  } catch (err) {
    server.close();
    throw err;
  }
  logger.info({ url, issuer, bank_id: config.bankId }, 'Alif Mobi sandbox listening');

  return {
    url,
    issuer,
    port,
    config,
    close: () =>
      new Promise<void>((resolve) => {
        for (const [timer, release] of delays) {
          clearTimeout(timer);
          release();
        }
        delays.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

class SandboxApp {
  constructor(
    private readonly control: ControlApi,
    private readonly obp: ObpApi,
    private readonly oauth: OAuthServer,
    private readonly faults: FaultRegistry,
    private readonly delays: Map<NodeJS.Timeout, () => void>,
    private readonly logger: Logger,
    private readonly bank: SandboxBank,
    private readonly profiles: ProfileSet,
  ) {}

  async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    const url = new URL(target, 'http://sandbox.invalid');
    const started = Date.now();
    res.once('finish', () =>
      this.logger.debug(
        { method: req.method, path: url.pathname, status: res.statusCode, ms: Date.now() - started },
        'request',
      ),
    );

    // A live clock books the entries whose completed second has passed since the last request.
    if (this.bank.live) this.bank.sync();

    if (url.pathname === CONTROL_PREFIX || url.pathname.startsWith(`${CONTROL_PREFIX}/`)) {
      await this.control.handle(req, res, url);
      return;
    }

    // Profile `nginx`: a default nginx in front of the bank drops every request header whose name
    // contains an underscore (`underscores_in_headers off`; nginx docs), so OBP never sees them.
    if (this.profiles.has('nginx')) dropUnderscoreHeaders(req);

    const fault = this.faults.take(req.method ?? 'GET', target);
    if (fault && (await this.applyFault(fault, req, res, url))) return;

    if (url.pathname === '/obp' || url.pathname.startsWith('/obp/')) {
      if (url.pathname === OBP_PREFIX || url.pathname.startsWith(`${OBP_PREFIX}/`)) {
        const r = await this.obp.handle(req, url);
        sendJson(res, r.status, r.body, r.headers);
      } else {
        sendJson(res, 404, { code: 404, message: OBP_MESSAGES.invalidUri });
      }
      return;
    }
    await this.oauth.handle(req, res, url);
  }

  /** Applies an injected fault; returns true when the fault produced the whole reply. */
  private async applyFault(
    fault: Fault,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
  ): Promise<boolean> {
    this.logger.debug({ fault: fault.id, method: req.method, path: url.pathname }, 'fault fired');
    if (fault.delay_ms) {
      const completed = await this.sleep(fault.delay_ms, res);
      if (!completed || res.destroyed || res.writableEnded) return true;
    }
    const isObp = url.pathname.startsWith('/obp/');
    if (fault.reset) {
      req.socket.destroy();
      return true;
    }
    if (fault.text !== undefined) {
      res.writeHead(fault.status ?? 200, { 'content-type': 'text/plain; charset=utf-8', ...fault.headers });
      res.end(fault.text);
      return true;
    }
    if (fault.body === 'malformed') {
      truncateResponse(res, fault.status);
      return false;
    }
    if (fault.body !== undefined) {
      const headers =
        isObp && fault.status === 429
          ? tooManyRequests(60, fault.reset_s ?? secondsToNextMinute()).headers
          : {};
      sendJson(res, fault.status ?? 200, fault.body, { ...headers, ...fault.headers });
      return true;
    }
    if (fault.status !== undefined) {
      if (isObp) {
        const err = faultError(
          fault.status,
          req.headers.host ?? 'localhost',
          fault.reset_s ?? secondsToNextMinute(),
        );
        sendJson(res, err.status, err.toBody(), err.headers);
      } else {
        sendJson(res, fault.status, oauthFaultBody(fault.status, url.pathname === TOKEN_PATH));
      }
      return true;
    }
    return false;
  }

  /** Resolves true after `ms`, or false when the server closes or the client goes away first. */
  private sleep(ms: number, res: ServerResponse): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.delays.delete(timer);
        res.off('close', onClose);
        resolve(true);
      }, ms);
      const onClose = (): void => {
        clearTimeout(timer);
        this.delays.delete(timer);
        resolve(false);
      };
      res.once('close', onClose);
      this.delays.set(timer, () => resolve(false));
    });
  }
}

/**
 * Default OAuth-style bodies for injected statuses. At the token endpoint the seed's shapes:
 * 429 {"error":"rate_limit","retry_after":60} and 401 {"error":"invalid_grant"}.
 */
function oauthFaultBody(status: number, isToken: boolean): Record<string, unknown> {
  if (status === 429) return { error: 'rate_limit', retry_after: 60 };
  if (status === 401)
    return isToken
      ? { error: 'invalid_grant', error_description: 'grant request is invalid' }
      : { error: 'invalid_token' };
  if (status === 503)
    return { error: 'temporarily_unavailable', error_description: 'the service is temporarily unavailable' };
  if (status >= 500) return { error: 'server_error', error_description: 'unexpected server error' };
  return { error: 'invalid_request', error_description: 'injected fault' };
}

function secondsToNextMinute(): number {
  return 60 - (Math.floor(Date.now() / 1000) % 60);
}

function dropUnderscoreHeaders(req: IncomingMessage): void {
  for (const name of Object.keys(req.headers)) if (name.includes('_')) delete req.headers[name];
  const raw = req.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2) if (raw[i]!.includes('_')) raw.splice(i, 2);
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s && /^[\w.:-]{1,128}$/.test(s) ? s : undefined;
}
