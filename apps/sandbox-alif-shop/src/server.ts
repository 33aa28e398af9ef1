/**
 * Composition of the sandbox: one node:http server routing to the control API (`/__sandbox`) and
 * the customer API (`/api/v1`), with injected faults applied in front of the latter.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

import { ChallengeRegistry } from './api/challenges.js';
import { API_PREFIX, ShopApi } from './api/shop-api.js';
import { AuthService } from './auth/auth-service.js';
import type { SandboxConfig } from './config.js';
import { CONTROL_PREFIX, ControlApi } from './control/control-api.js';
import { FaultRegistry, type Fault } from './control/faults.js';
import { sendEmpty, sendJson, truncateResponse } from './http/http-util.js';
import type { Logger } from './logger.js';
import { userByMsisdn } from './seed/catalog.js';
import { dayStart, isoToDay, karachiDay } from './seed/calendar.js';
import { ShopLedger } from './seed/shop-ledger.js';
import { listen } from '../../sandbox-kit/src/http.js';

export interface RunningSandbox {
  /** Base URL, e.g. http://127.0.0.1:4020. */
  url: string;
  port: number;
  config: SandboxConfig;
  close(): Promise<void>;
}

export async function startServer(config: SandboxConfig, logger: Logger): Promise<RunningSandbox> {
  const started = process.hrtime.bigint();
  // A fixed today stands still at its last second in Karachi; without one the clock is the real time.
  const anchorDay =
    config.anchorDate === undefined
      ? karachiDay(Math.floor(Date.now() / 1000))
      : isoToDay(config.anchorDate)!;
  const ledger = new ShopLedger({
    seed: config.seed,
    sizePercent: config.size * 100,
    anchorDay,
    startSec: config.anchorDate === undefined ? Math.floor(Date.now() / 1000) : dayStart(anchorDay + 1) - 1,
    clock: config.anchorDate === undefined ? Date.now : undefined,
  });
  const auth = new AuthService({
    otp: config.otp,
    otpTtlS: config.otpTtlS,
    otpAttempts: config.otpAttempts,
    accessTokenTtlS: config.accessTokenTtlS,
    refreshTokenTtlS: config.refreshTokenTtlS,
    isCustomer: (msisdn) => userByMsisdn(msisdn) !== undefined,
  });
  const challenges = new ChallengeRegistry();
  const faults = new FaultRegistry();
  const api = new ShopApi({
    ledger,
    auth,
    challenges,
    otpLength: config.otp.length,
    maxPerPage: config.maxPerPage,
    defaultPerPage: config.defaultPerPage,
  });
  const control = new ControlApi({ ledger, auth, challenges, faults, logger, config });
  logger.info(
    {
      seed: config.seed,
      size: config.sizeLabel,
      clock: ledger.live ? 'live' : 'fixed',
      plans: ledger.plans.reduce((n, p) => n + p.length, 0),
      ms: Number((process.hrtime.bigint() - started) / 1_000_000n),
    },
    'sandbox data generated',
  );

  const delays = new Map<NodeJS.Timeout, () => void>();
  const app = new SandboxApp(api, control, faults, delays, logger);
  const server: Server = createServer((req, res) => {
    app.dispatch(req, res).catch((err: unknown) => {
      logger.error({ err, method: req.method, url: req.url }, 'unhandled error');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal_error' });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  const { port, url } = await listen(server, config.port, config.host);
  logger.info({ url }, 'Alif Shop sandbox listening');
  return {
    url,
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
    private readonly api: ShopApi,
    private readonly control: ControlApi,
    private readonly faults: FaultRegistry,
    private readonly delays: Map<NodeJS.Timeout, () => void>,
    private readonly logger: Logger,
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
    if (url.pathname === CONTROL_PREFIX || url.pathname.startsWith(`${CONTROL_PREFIX}/`)) {
      await this.control.handle(req, res, url);
      return;
    }
    const fault = this.faults.take(req.method ?? 'GET', target);
    if (fault && (await this.applyFault(fault, req, res, url))) return;

    if (url.pathname.startsWith(`${API_PREFIX}/`)) {
      const reply = await this.api.handle(req, url);
      if (reply.body === undefined) sendEmpty(res, reply.status, reply.headers);
      else sendJson(res, reply.status, reply.body, reply.headers);
      return;
    }
    sendJson(res, 404, { error: 'not_found' });
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
      sendJson(res, fault.status ?? 200, fault.body, fault.headers);
      return true;
    }
    if (fault.status !== undefined) {
      sendJson(res, fault.status, defaultFaultBody(fault.status, url.pathname), fault.headers);
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

/** The body of an injected status without a body: the shape Alif Shop uses for that status. */
function defaultFaultBody(status: number, path: string): Record<string, unknown> {
  const auth = path.startsWith(`${API_PREFIX}/auth/`);
  if (status === 401)
    return { error: path === `${API_PREFIX}/auth/token/refresh` ? 'invalid_grant' : 'invalid_token' };
  if (status === 423 && !auth) return { error: '3ds_challenge_pending', retry_after: 30 };
  if (status === 429) return { error: 'too_many_requests', retry_after: 60 };
  if (status === 503) return { error: 'service_unavailable' };
  if (status >= 500) return { error: 'internal_error' };
  if (status === 404) return { error: 'not_found' };
  return { error: 'injected_fault' };
}
