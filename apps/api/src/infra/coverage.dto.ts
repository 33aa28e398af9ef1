import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { COVERAGE_STATES } from '#domain/coverage.js';
import { PROVIDER_DEFINITIONS } from '#connectors/providers.js';

/** The provider ids of this build, for validation and the OpenAPI enums. */
export const PROVIDER_IDS: readonly string[] = PROVIDER_DEFINITIONS.map((d) => d.id);

/** One line of coverage (api.md "Consents"): what the last sync could read of a resource. */
export class CoverageResponse {
  @ApiProperty({ enum: ['accounts', 'transactions', 'balances', 'cards', 'transfers', 'credit'] })
  resource: string;
  @ApiProperty({ enum: COVERAGE_STATES }) state: string;
  @ApiPropertyOptional({ description: "The bank's own code (e.g. OBP-40018) or HTTP status." }) code?: string;
  @ApiPropertyOptional({ description: 'Why it is not ok, or which items were left out.' }) detail?: string;
  @ApiProperty({ format: 'date-time' }) checked_at: string;
  @ApiPropertyOptional({ format: 'uuid', description: "On a sync's coverage: the account it is about." })
  account_id?: string;
}
