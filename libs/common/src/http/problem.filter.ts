import { ArgumentsHost, Catch, Logger, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, problemBody } from './problem.js';
import { toProblem } from './to-problem.js';

/** The one global filter: every error leaves the API as RFC 9457 problem+json. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), exception, this.logger);
  }
}

export function sendProblem(
  req: FastifyRequest,
  reply: FastifyReply,
  exception: unknown,
  logger: Logger,
): void {
  const parts = toProblem(exception);
  const requestId = String(req.id);
  if (parts.unexpected) {
    logger.error({ err: exception, request_id: requestId }, 'unhandled error');
  } else if (parts.badValue) {
    // Validation should have refused the value first: worth a look, but the client's fault.
    logger.warn(
      { err: exception, request_id: requestId },
      `database refused a request value (${parts.badValue})`,
    );
  }
  const body = problemBody(parts.code, parts.detail, requestId, parts.errors);
  if (reply.sent) return;
  if (parts.headers) void reply.headers(parts.headers);
  void reply.status(body.status).header('content-type', PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}
