import {
  Catch,
  Controller,
  Get,
  ServiceUnavailableException,
  UseFilters,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { pendingMigrations } from '#persistence/data-source.js';
import { RedisConnection } from '../infra/redis.provider.js';

/** An unready service answers 503 with Terminus's per-dependency report (what operators probe). */
@Catch(ServiceUnavailableException)
class NotReadyFilter implements ExceptionFilter {
  catch(e: ServiceUnavailableException, host: ArgumentsHost): void {
    void host.switchToHttp().getResponse<FastifyReply>().status(503).send(e.getResponse());
  }
}

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly redis: RedisConnection,
    private readonly ds: DataSource,
  ) {}

  /** Liveness: the process serves HTTP. Dependencies are not consulted (a DB outage must not restart pods). */
  @Get()
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: PostgreSQL answers, Redis answers, and every migration in the code is applied. */
  @Get('ready')
  @HealthCheck()
  @UseFilters(NotReadyFilter)
  ready() {
    return this.health.check([
      () => this.db.pingCheck('postgres').withTimeout(2000),
      () =>
        this.indicators
          .check('redis')
          .attempt(async () => {
            if ((await this.redis.client.ping()) !== 'PONG') throw new Error('unexpected PING reply');
          })
          .withTimeout(2000),
      () =>
        this.indicators
          .check('migrations')
          .attempt(async () => {
            const pending = await pendingMigrations(this.ds);
            if (pending.length) throw new Error(`pending: ${pending.join(', ')}`);
          })
          .withTimeout(2000),
    ]);
  }
}
