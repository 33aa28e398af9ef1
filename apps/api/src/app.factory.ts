import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger, PinoLogger } from 'nestjs-pino';
import { requestLogging } from '#common/logging.js';
import { Logger as NestLogger } from '@nestjs/common';
import { checkBody, checkParams } from '#common/http/input-guard.js';
import { HisobError } from '#common/http/problem.js';
import { ProblemFilter, sendProblem } from '#common/http/problem.filter.js';
import { REQUEST_ID_HEADER, requestIdFrom } from '#common/http/request-id.js';
import { hisobValidationPipe } from '#common/http/validation.js';
import { AppModule, type ApiModuleOptions } from './app.module.js';
import { MetricsService } from './metrics/metrics.service.js';
import { registerBepaidBodies } from './merchant/bepaid-body.js';

/**
 * Builds the API application (not listening yet). `main.ts` and the tests share it, so what the
 * tests exercise is exactly what runs.
 */
export async function createApiApp(options: ApiModuleOptions): Promise<NestFastifyApplication> {
  const { config } = options;
  const adapter = new FastifyAdapter({
    bodyLimit: config.HISOB_BODY_LIMIT_BYTES,
    genReqId: requestIdFrom,
    logger: false,
    trustProxy: false,
  });
  const fastify = adapter.getInstance();
  // Only JSON bodies: a text/plain body is a 415, not a string that fails validation later.
  fastify.removeContentTypeParser(['text/plain']);
  fastify.addHook('onRequest', (req, reply, done) => {
    (req.raw as typeof req.raw & { id: string }).id = String(req.id);
    void reply.header(REQUEST_ID_HEADER, String(req.id));
    done();
  });
  registerBepaidBodies(fastify);
  requestLogging(fastify, () => PinoLogger.root);
  // Bad strings and deep bodies are refused before any handler, DTO or query sees them.
  const guardLogger = new NestLogger('InputGuard');
  fastify.addHook('preValidation', (req, reply, done) => {
    const errors = [
      ...checkParams(req.params, 'path'),
      ...checkParams(req.query, 'query'),
      ...checkBody(req.body),
    ];
    if (!errors.length) return done();
    sendProblem(req, reply, HisobError.validation(errors), guardLogger);
  });

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(options), adapter, {
    bufferLogs: true,
    abortOnError: false,
    // Fastify parses JSON itself; Nest's extra parsers would accept form bodies the API never takes.
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalPipes(hisobValidationPipe());
  app.enableShutdownHooks();

  const metrics = app.get(MetricsService);
  fastify.addHook('onResponse', async (req, reply) => {
    metrics.httpDuration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  if (config.HISOB_DOCS_ENABLED) {
    const doc = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Hisob API')
        .setDescription(
          'One REST API over Alif Mobi (OBP), Alif Shop, AccessBank (Berlin Group) and bePaid. ' +
            'Errors are RFC 9457 application/problem+json with a machine-readable `code`.',
        )
        .setVersion('0.1.0')
        .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Client API key' }, 'client')
        .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'HISOB_ADMIN_TOKEN' }, 'admin')
        .addBasicAuth({ type: 'http', scheme: 'basic', description: 'bePaid: shop id and secret key' })
        .build(),
    );
    SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
  }
  await app.init();
  await fastify.ready();
  return app;
}
