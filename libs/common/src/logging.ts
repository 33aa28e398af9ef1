import { RequestMethod } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { DestinationStream, LoggerOptions } from 'pino';

/** Query parameters that carry secrets (OAuth codes, PKCE, tokens, OTPs) in callback URLs. */
const SECRET_QUERY =
  /([?&](?:code|state|code_verifier|access_token|refresh_token|id_token|token|otp|api_key|password)=)[^&#]*/gi;

export const redactUrl = (url: string | undefined): string | undefined =>
  url?.replace(SECRET_QUERY, '$1[REDACTED]');

/**
 * Fields that must never be written, wherever they appear in a log object (pino `redact`).
 * Request headers are not logged at all (see the `req` serializer), which keeps `Authorization`
 * and cookies out by construction; these paths catch secrets that code passes in log objects.
 */
export const REDACT_PATHS = [
  'authorization',
  'headers.authorization',
  'headers.cookie',
  '*.authorization',
  'access_token',
  'refresh_token',
  'id_token',
  'api_key',
  'apiKey',
  'accessToken',
  'refreshToken',
  'password',
  'otp',
  'client_secret',
  'secret_key',
  'webhook_secret',
  'code_verifier',
  'pan',
  'iban',
  '*.access_token',
  '*.refresh_token',
  '*.id_token',
  '*.api_key',
  '*.apiKey',
  '*.accessToken',
  '*.refreshToken',
  '*.password',
  '*.otp',
  '*.client_secret',
  '*.secret_key',
  '*.webhook_secret',
  '*.code_verifier',
  '*.pan',
  '*.iban',
];

export function baseLoggerOptions(level: string, name: string): LoggerOptions {
  return {
    level,
    name,
    base: { service: name },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    messageKey: 'msg',
  };
}

/** nestjs-pino parameters for an HTTP app: one line per request with its id, no headers. */
export function httpLoggerParams(level: string, name: string, stream?: DestinationStream): Params {
  return {
    // nestjs-pino's default route pattern does not match under the Fastify adapter of Nest 12.
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
    pinoHttp: [
      {
        ...baseLoggerOptions(level, name),
        genReqId: (req: IncomingMessage) => (req as IncomingMessage & { id: string }).id,
        // The request id under `request_id` on every line of the request: pino-http's own binding
        // renamed (one child logger per request, not a second one for custom props).
        customAttributeKeys: { reqId: 'request_id' },
        serializers: {
          req: (req: IncomingMessage & { id?: string }) => ({ method: req.method, url: redactUrl(req.url) }),
          res: (res: ServerResponse) => ({ status_code: res.statusCode }),
        },
        customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
          err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
        quietReqLogger: true,
        autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health' || req.url === '/metrics' },
      },
      ...(stream ? [stream] : []),
    ] as Params['pinoHttp'],
  };
}
