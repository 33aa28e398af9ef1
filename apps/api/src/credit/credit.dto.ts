import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsIsoDate } from '../data/data-query.dto.js';

export const PLAN_ORIGINS = ['fashion', 'partner_store'] as const;
export const PLAN_STATUSES = ['current', 'overdue', 'pending_approval', 'rejected', 'closed'] as const;

export class CreditQueryDto {
  @ApiProperty({ format: 'uuid', description: "The consent whose ledger to read (another client's: 404)." })
  @IsString()
  @MaxLength(100)
  consent_id: string;
}

export class PlansQueryDto extends CreditQueryDto {
  @ApiPropertyOptional({ enum: PLAN_ORIGINS }) @IsOptional() @IsIn(PLAN_ORIGINS) origin?: string;
  @ApiPropertyOptional({ enum: PLAN_STATUSES }) @IsOptional() @IsIn(PLAN_STATUSES) status?: string;
}

export class ScheduleQueryDto extends CreditQueryDto {
  @ApiPropertyOptional({ example: '2026-07-01', description: 'Due on or after (inclusive).' })
  @IsOptional()
  @IsIsoDate()
  from_date?: string;
  @ApiPropertyOptional({ example: '2026-12-31', description: 'Due on or before (inclusive).' })
  @IsOptional()
  @IsIsoDate()
  to_date?: string;
}

export class CreditLineResponse {
  @ApiProperty({ format: 'uuid' }) account_id: string;
  @ApiProperty({ example: '150000.00', nullable: true, type: String }) limit: string | null;
  @ApiProperty({ example: '100143.39', nullable: true, type: String }) available: string | null;
  @ApiProperty({ example: 'PKR' }) currency: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class CreditLineListResponse {
  @ApiProperty({ type: [CreditLineResponse] }) credit_lines: CreditLineResponse[];
}

export class PlanResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() provider_plan_id: string;
  @ApiProperty({ enum: PLAN_ORIGINS }) origin: string;
  @ApiProperty({ example: '24000.00' }) principal: string;
  @ApiProperty({
    nullable: true,
    type: String,
    example: '0',
    description: '"0" for fashion plans; null where the store’s own terms apply (partner-store plans).',
  })
  markup_pct: string | null;
  @ApiProperty({ nullable: true, type: Number }) tenor_months: number | null;
  @ApiProperty({ example: 'PKR' }) currency: string;
  @ApiProperty({ enum: PLAN_STATUSES }) status: string;
  @ApiPropertyOptional({ example: '2026-07-01' }) next_due_date?: string;
  @ApiPropertyOptional({ example: '6000.00' }) next_amount?: string;
  @ApiPropertyOptional() store?: string;
  @ApiPropertyOptional() device_model?: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) created_at: string | null;
}

export class PlanListResponse {
  @ApiProperty({ type: [PlanResponse] }) plans: PlanResponse[];
}

export class InstalmentResponse {
  @ApiProperty({ format: 'uuid', description: "Hisob's id of the instalment (its plan and due date)." })
  id: string;
  @ApiProperty({ format: 'uuid' }) plan_id: string;
  @ApiProperty({ example: '2026-07-01' }) due_date: string;
  @ApiProperty({ example: '6000.00' }) amount: string;
  @ApiProperty({ example: 'PKR' }) currency: string;
  @ApiProperty({ enum: ['upcoming', 'due', 'paid', 'overdue'] }) status: string;
  @ApiPropertyOptional({ format: 'date-time' }) paid_at?: string;
}

export class ScheduleResponse {
  @ApiProperty({ type: [InstalmentResponse] }) instalments: InstalmentResponse[];
}

export class ScheduleChangesQueryDto extends CreditQueryDto {
  @ApiPropertyOptional({
    description: 'Where the previous call ended (`next_cursor`); absent: from the start.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  cursor?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  count?: number;
}

export class ScheduleChangesResponse {
  @ApiProperty({ type: [InstalmentResponse] }) added: InstalmentResponse[];
  @ApiProperty({
    type: [InstalmentResponse],
    description: 'Recalculated, paid or fallen due since the cursor.',
  })
  modified: InstalmentResponse[];
  @ApiProperty({ type: [String], description: 'Ids of instalments the provider no longer lists.' })
  removed: string[];
  @ApiProperty() next_cursor: string;
  @ApiProperty() has_more: boolean;
}
