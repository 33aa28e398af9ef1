import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { HisobError } from '#common/http/problem.js';
import { SyncRepository, syncView } from '#persistence/repositories/sync.repository.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { CurrentClient, type AuthenticatedClient } from '../auth/authenticated-client.js';
import { UuidParamPipe } from '../infra/uuid-param.pipe.js';
import { CoverageResponse } from '../infra/coverage.dto.js';

class SyncProgress {
  @ApiProperty() accounts_total: number;
  @ApiProperty() accounts_done: number;
  @ApiProperty() pages: number;
  @ApiProperty() transactions_added: number;
  @ApiProperty() transactions_modified: number;
  @ApiProperty({
    description:
      'Transactions removed: pending entries superseded by their booked entry, or no longer shown by the bank.',
  })
  transactions_removed: number;
}

class SyncResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) consent_id: string;
  @ApiProperty({ enum: ['queued', 'running', 'succeeded', 'failed', 'waiting_rate_limit'] }) state: string;
  @ApiProperty({ description: 'Some best-effort resource could not be read (see coverage).' })
  partial: boolean;
  @ApiProperty({
    type: [CoverageResponse],
    description: 'What this sync could read, per resource and account.',
  })
  coverage: CoverageResponse[];
  @ApiProperty({ type: SyncProgress }) progress: SyncProgress;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) started_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) finished_at: string | null;
  @ApiPropertyOptional({
    format: 'date-time',
    type: String,
    description: "With `waiting_rate_limit`: when the sync runs again (the bank's limit resets).",
  })
  resume_at?: string;
  @ApiPropertyOptional() error?: string;
}

@ApiTags('consents')
@ApiBearerAuth('client')
@UseGuards(ApiKeyGuard)
@Controller('v1/syncs')
export class SyncsController {
  constructor(private readonly syncs: SyncRepository) {}

  /** A sync's progress, written by the worker page by page. */
  @Get(':id')
  @ApiOkResponse({ type: SyncResponse })
  async get(
    @CurrentClient() client: AuthenticatedClient,
    @Param('id', new UuidParamPipe('Sync')) id: string,
  ): Promise<SyncResponse> {
    const row = await this.syncs.findForClient(client.id, id);
    if (!row) throw HisobError.notFound('Sync');
    return syncView(row);
  }
}
