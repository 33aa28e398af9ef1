/**
 * Composition of the sandbox: one node:http server routing to the control API (`/__sandbox`), the
 * XS2A interface (`/v1`) and the SCA pages (`/sca`), with injected faults applied in front of the
 * last two. Every reply to a request with `X-Request-ID` echoes it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

import { ConsentStore } from './bg/consents.js';
import { BgError, faultBody } from './bg/errors.js';
import { SCA_PREFIX, ScaPages } from './bg/sca.js';
import { API_PREFIX } from './bg/serialize.js';
import { Xs2aApi } from './bg/xs2a.js';
import type { SandboxConfig } from './config.js';
import { CONTROL_PREFIX, ControlApi } from './control/control-api.js';
import { FaultRegistry, type Fault } from './control/faults.js';
import { sendEmpty, sendJson, truncateResponse } from './http/http-util.js';
import type { Logger } from './logger.js';
import { Bank } from './seed/bank.js';
import { dayToIso, localDayOf } from './seed/dates.js';
import { listen } from '../../sandbox-kit/src/http.js';

export interface RunningSandbox {
  /** Base URL, e.g. http://127.0.0.1:4030. */
  url: string;
  /** The URL the PSU's browser is sent to (scaRedirect); the base URL unless configured. */
  publicUrl: string;
  port: number;
  config: SandboxConfig;
  close(): Promise<void>;
}

export async function startServer(config: SandboxConfig, logger: Logger): Promise<RunningSandbox> {
  const started = process.hrtime.bigint();
  // Without a fixed today the clock is live: today is the real date in Dushanbe.
  const bank = new Bank({
    seed: config.seed,
    size: config.size,
    anchorDate: config.anchorDate ?? dayToIso(localDayOf(Math.floor(Date.now() / 1000))),
    clock: config.anchorDate === undefined ? Date.now : undefined,
  });
  logger.info(
    {
      seed: config.seed,
      size: config.sizeLabel,
      today: bank.today,
      clock: bank.live ? 'live' : 'fixed',
      booked: bank.bookedCount,
      ms: Number((process.hrtime.bigint() - started) / 1_000_000n),
    },
    'sandbox data generated',
  );

  const faults = new FaultRegistry();
  const delays = new Map<NodeJS.Timeout, () => void>();
  // Filled once the port is bound (the SCA links need the public URL).
  const holder: { app?: SandboxApp } = {};

  const server: Server = createServer((req, res) => {
    const xRequestId = req.headers['x-request-id'];
    if (typeof xRequestId === 'string' && /^[\w.:-]{1,128}$/.test(xRequestId))
      res.setHeader('X-Request-ID', xRequestId);
    const app = holder.app;
    if (!app) {
      sendEmpty(res, 503);
      return;
    }
    app.dispatch(req, res).catch((err: unknown) => {
      logger.error({ err, method: req.method, url: req.url }, 'unhandled error');
      if (!res.headersSent) sendEmpty(res, 500);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;

  const { port, url } = await listen(server, config.port, config.host);
  const publicUrl = config.publicUrl ?? url;

  const consents = new ConsentStore();
  holder.app = new SandboxApp(
    new ControlApi({ bank, consents, faults, config, publicUrl, logger }),
    new Xs2aApi(bank, consents, config, publicUrl, logger),
    new ScaPages(bank, consents, config, logger),
    faults,
    delays,
    logger,
    bank,
  );
  logger.info({ url, public_url: publicUrl }, 'AccessBank sandbox listening');

  return {
    url,
    publicUrl,
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
    private readonly xs2a: Xs2aApi,
    private readonly sca: ScaPages,
    private readonly faults: FaultRegistry,
    private readonly delays: Map<NodeJS.Timeout, () => void>,
    private readonly logger: Logger,
    private readonly bank: Bank,
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
    // A live clock starts a new bank day at midnight in Dushanbe.
    if (this.bank.live) this.bank.sync();

    if (url.pathname === CONTROL_PREFIX || url.pathname.startsWith(`${CONTROL_PREFIX}/`)) {
      await this.control.handle(req, res, url);
      return;
    }
    const fault = this.faults.take(req.method ?? 'GET', target);
    if (fault && (await this.applyFault(fault, req, res))) return;

    if (url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`)) {
      const r = await this.xs2a.handle(req, url);
      if (r.body === undefined) sendEmpty(res, r.status, r.headers);
      else sendJson(res, r.status, r.body, r.headers);
      return;
    }
    if (url.pathname === SCA_PREFIX || url.pathname.startsWith(`${SCA_PREFIX}/`)) {
      await this.sca.handle(req, res, url);
      return;
    }
    const err = new BgError(
      404,
      'RESOURCE_UNKNOWN',
      `No resource at ${url.pathname}; the XS2A interface is under /v1.`,
    );
    sendJson(res, 404, err.toBody());
  }

  /** Applies an injected fault; returns true when the fault produced the whole reply. */
  private async applyFault(fault: Fault, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    this.logger.debug({ fault: fault.id, method: req.method, url: req.url }, 'fault fired');
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
      const body = faultBody(fault.status);
      if (body === undefined) sendEmpty(res, fault.status, fault.headers);
      else sendJson(res, fault.status, body, fault.headers);
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
