/**
 * Composition of the simulator: the signing key, the outbound HTTP scope, the payment flow and
 * one node:http server for the control API (`/__sandbox`). bePaid has no inbound API of its own
 * here: the merchant never calls it in this flow.
 */
import { createServer, type Server } from 'node:http';

import { listen, send } from '../../sandbox-kit/src/http.js';
import { OutboundScope } from './bepaid/outbound.js';
import { PaymentService } from './bepaid/payments.js';
import { Signer } from './bepaid/signer.js';
import type { SandboxConfig } from './config.js';
import { CONTROL_PREFIX, ControlApi } from './control/control-api.js';
import type { Logger } from './logger.js';

export interface RunningSandbox {
  /** Base URL, e.g. http://127.0.0.1:4040. */
  url: string;
  port: number;
  config: SandboxConfig;
  /** The public key merchants verify `Content-Signature` with (SPKI PEM). */
  publicKeyPem: string;
  close(): Promise<void>;
}

export async function startServer(config: SandboxConfig, logger: Logger): Promise<RunningSandbox> {
  const signer = config.privateKeyPath ? await Signer.fromPemFile(config.privateKeyPath) : Signer.generate();
  const outbound = new OutboundScope();
  const payments = new PaymentService({
    seed: config.seed,
    gatewayId: config.gatewayId,
    signer,
    outbound,
    timings: {
      verificationTimeoutMs: config.verificationTimeoutMs,
      notificationTimeoutMs: config.notificationTimeoutMs,
      notificationAttempts: config.notificationAttempts,
      notificationBackoffMs: config.notificationBackoffMs,
    },
  });
  const control = new ControlApi({ payments, signer, config });

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const started = Date.now();
    res.once('finish', () =>
      logger.debug(
        { method: req.method, path: url.pathname, status: res.statusCode, ms: Date.now() - started },
        'request',
      ),
    );
    const inControl = url.pathname === CONTROL_PREFIX || url.pathname.startsWith(`${CONTROL_PREFIX}/`);
    const handled = inControl
      ? control.handle(req, res, url)
      : Promise.resolve(
          send(res, 404, JSON.stringify({ error: 'not_found' }), 'application/json; charset=utf-8'),
        );
    handled.catch((err: unknown) => {
      logger.error({ err, method: req.method, url: req.url }, 'unhandled error');
      if (!res.headersSent)
        send(res, 500, JSON.stringify({ error: 'internal_error' }), 'application/json; charset=utf-8');
      else res.destroy();
    });
  });
  // A pay call lasts as long as the flow (up to the verification budget plus every notification
  // attempt): no request timeout on the control API.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 5_000;
  const { port, url } = await listen(server, config.port, config.host);
  logger.info({ url, key: config.privateKeyPath ?? 'generated' }, 'bePaid simulator listening');
  return {
    url,
    port,
    config,
    publicKeyPem: signer.publicKeyPem,
    close: () =>
      new Promise<void>((resolve) => {
        outbound.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
