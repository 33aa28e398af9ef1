import { AsyncLocalStorage } from 'node:async_hooks';
import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { Logger, PARAMS_PROVIDER_TOKEN, PinoLogger, type Params } from 'nestjs-pino';
import { stdSerializers, type BaseLogger, type DestinationStream, type LoggerOptions } from 'pino';

type PinoBaseLogger = BaseLogger & { isLevelEnabled(level: string): boolean };

/**
 * Query or form parameters that carry secrets (OAuth codes, PKCE, tokens, OTPs), snake_case and
 * camelCase alike (`access_token`, `accessToken`, `client_secret`, `clientSecret`…).
 */
const SECRET_QUERY =
  /([?&;](?:code|state|code[_-]?verifier|access[_-]?token|refresh[_-]?token|id[_-]?token|token|otp|api[_-]?key|password|client[_-]?secret|secret[_-]?key|client[_-]?assertion|assertion)=)[^&#;]*/gi;

export const redactUrl = (url: string | undefined): string | undefined =>
  url?.replace(SECRET_QUERY, '$1[REDACTED]');

/**
 * Fields that must never be written, wherever they appear in a log object (pino `redact`).
 * Request headers are not logged at all (see the `req` serializer), which keeps `Authorization`
 * and cookies out by construction; these paths catch secrets that code passes in log objects.
 */
const SECRET_FIELDS = [
  'authorization',
  'access_token',
  'refresh_token',
  'id_token',
  'api_key',
  'apiKey',
  'accessToken',
  'refreshToken',
  'idToken',
  'password',
  'otp',
  'client_secret',
  'clientSecret',
  'secret_key',
  'secretKey',
  'webhook_secret',
  'webhookSecret',
  'code_verifier',
  'codeVerifier',
  'client_assertion',
  'clientAssertion',
  'pan',
  'iban',
];

export const REDACT_PATHS = [
  'headers.authorization',
  'headers.cookie',
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
];

/**
 * Errors as logged (`err`): pino's standard shape, minus what would leak request data.
 * TypeORM's QueryFailedError carries the query's bound `parameters` (API keys' hashes, tokens,
 * whatever a request sent); PostgreSQL's `detail` and messages quote values ("Key (x)=(…)",
 * `invalid input syntax for type uuid: "…"`). The SQL text and the SQLSTATE are kept.
 */
export function serializeError(err: unknown): unknown {
  const out = stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  if (!out || typeof out !== 'object') return out;
  return scrubDbFields(out);
}

const DB_VALUE_FIELDS = ['parameters', 'detail', 'where', 'internalQuery'] as const;

function scrubDbFields(o: Record<string, unknown>): Record<string, unknown> {
  const isDb = typeof o.severity === 'string' || 'driverError' in o || 'parameters' in o;
  if (!isDb) return o;
  const out: Record<string, unknown> = { ...o };
  for (const k of DB_VALUE_FIELDS) delete out[k];
  if (typeof out.message === 'string') out.message = out.message.replace(/"[^"]*"/g, '"[value]"');
  if (typeof out.stack === 'string') out.stack = out.stack.replace(/"[^"]*"/g, '"[value]"');
  if (out.driverError && typeof out.driverError === 'object')
    out.driverError = scrubDbFields({ ...(out.driverError as Record<string, unknown>) });
  return out;
}

/** The request a line is logged for: set per HTTP request by the API (see `requestLogging`). */
export const requestContext = new AsyncLocalStorage<{ readonly requestId: string }>();

export function baseLoggerOptions(level: string, name: string): LoggerOptions {
  return {
    level,
    name,
    base: { service: name },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    serializers: { err: serializeError },
    messageKey: 'msg',
    // `request_id` on every line logged while a request is served, read when a line is written:
    // no child logger is built per request (most requests log nothing but their completion line).
    // (pino merges the line's fields into the object returned: a fresh one each time.)
    mixin: () => {
      const store = requestContext.getStore();
      return store ? { request_id: store.requestId } : {};
    },
  };
}

/**
 * nestjs-pino for an HTTP app without its per-request pino-http middleware: `Logger` (Nest's
 * logger) and `PinoLogger` over one root pino logger. The request id comes from `requestContext`
 * and the one line per request from `requestLogging`. The pino-http middleware (a child logger,
 * a `res.on('finish')` listener and Nest's middleware layer per request) was 3-5 % of the API's
 * CPU in profiles of the transaction-page benchmark, for requests that mostly log one line.
 */
@Global()
@Module({})
export class HttpLoggerModule {
  static forRoot(level: string, name: string, stream?: DestinationStream): DynamicModule {
    const params: Params = {
      // No pino-http serializers: `req`/`res` in our lines are plain objects, not Node's messages.
      pinoHttp: [
        { ...baseLoggerOptions(level, name), wrapSerializers: false },
        ...(stream ? [stream] : []),
      ] as Params['pinoHttp'],
    };
    return {
      module: HttpLoggerModule,
      providers: [{ provide: PARAMS_PROVIDER_TOKEN, useValue: params }, PinoLogger, Logger],
      exports: [PinoLogger, Logger],
    };
  }
}

const UNLOGGED = new Set(['/health', '/metrics']);

/**
 * Per-request logging on a Fastify instance: every request runs in `requestContext` (so the lines
 * logged while serving it carry its id), and ends with one line — `info` below 400, `warn` for
 * 4xx, `error` for 5xx — with the method, the URL (secret query parameters redacted), the status
 * and the response time. Headers are never logged. `/health` and `/metrics` are not logged.
 */
export function requestLogging(fastify: FastifyInstance, logger: () => PinoBaseLogger): void {
  const enter = (req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    // Fastify runs the hooks and the handler from `done`, so they (and what they await) see the
    // store. `preHandler` enters again when body parsing (socket events) lost it.
    if (requestContext.getStore()?.requestId === req.id) return done();
    requestContext.run({ requestId: String(req.id) }, done);
  };
  fastify.addHook('onRequest', enter);
  fastify.addHook('preHandler', enter);
  fastify.addHook('onResponse', (req, reply, done) => {
    const status = reply.statusCode;
    const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    const log = logger();
    if (log.isLevelEnabled(level) && !UNLOGGED.has(req.url)) {
      log[level](
        {
          request_id: req.id,
          req: { method: req.method, url: redactUrl(req.url) },
          res: { status_code: status },
          responseTime: Math.round(reply.elapsedTime),
        },
        'request completed',
      );
    }
    done();
  });
}
