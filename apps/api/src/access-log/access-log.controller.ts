import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { HisobError } from '#common/http/problem.js';
import { AccessLogRepository } from '#persistence/repositories/access-log.repository.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentClient, type AuthenticatedClient } from '../auth/authenticated-client.js';
import { decodeCursor, encodeCursor } from '../infra/cursor.js';
import { isKeyTimestamp, yearInRange } from '../infra/edge-values.js';
import { AccessLogQueryDto, AccessLogResponse } from './access-log.dto.js';
import { keysetPage } from '../infra/keyset-page.js';

@ApiTags('access-log')
@ApiBearerAuth('client')
@UseGuards(ApiKeyGuard)
@Controller('v1/access-log')
export class AccessLogController {
  constructor(private readonly log: AccessLogRepository) {}

  /** The caller's own access trail, newest first. (Reading it is not itself logged.) */
  @Get()
  @ApiOkResponse({ type: AccessLogResponse })
  async list(
    @CurrentClient() client: AuthenticatedClient,
    @Query() q: AccessLogQueryDto,
  ): Promise<AccessLogResponse> {
    const limit = q.limit ?? 50;
    const from = q.from ? new Date(q.from) : undefined;
    const to = q.to ? new Date(q.to) : undefined;
    for (const [field, d] of [
      ['from', from],
      ['to', to],
    ] as const) {
      if (d && !yearInRange(d))
        throw HisobError.validation([{ field, message: `${field} must be a timestamp in years 0001-9999` }]);
    }
    if (from && to && from > to) {
      throw HisobError.validation([{ field: 'from', message: 'from must not be after to' }]);
    }
    let before: { atKey: string; id: string } | undefined;
    if (q.cursor) {
      const c = decodeCursor(q.cursor, ['at', 'id'] as const);
      if (!isKeyTimestamp(c.at) || !/^\d{1,18}$/.test(c.id)) {
        throw HisobError.validation([{ field: 'cursor', message: 'cursor is not valid' }]);
      }
      before = { atKey: c.at, id: c.id };
    }
    const rows = await this.log.list({
      clientId: client.id,
      consentId: q.consent_id,
      from,
      to,
      before,
      limit: limit + 1,
    });
    const { page, nextCursor } = keysetPage(rows, limit, (last) =>
      encodeCursor({ at: last.atKey, id: last.id }),
    );
    return {
      entries: page.map((r) => ({
        at: r.at.toISOString(),
        consent_id: r.consentId,
        end_user_id: r.endUserId,
        resource: r.resource,
        record_count: r.recordCount,
        request_id: r.requestId,
      })),
      next_cursor: nextCursor,
    };
  }
}
