import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsIsoDate, PageQueryDto } from '../data/data-query.dto.js';

export const TRANSFER_STATUSES = ['pending', 'completed', 'failed', 'returned'] as const;

export class ListTransfersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: "Only this consent's transfers (another client's consent: 404).",
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  consent_id?: string;

  @ApiPropertyOptional({ example: '2026-01-01', description: 'First UTC day of created_at (inclusive).' })
  @IsOptional()
  @IsIsoDate()
  from_date?: string;

  @ApiPropertyOptional({ example: '2026-01-31', description: 'Last UTC day of created_at (inclusive).' })
  @IsOptional()
  @IsIsoDate()
  to_date?: string;

  @ApiPropertyOptional({ enum: TRANSFER_STATUSES }) @IsOptional() @IsIn(TRANSFER_STATUSES) status?: string;
}

export class TransferResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) account_id: string;
  @ApiProperty({ example: '1000.00', description: 'What leaves the account, positive, in currency.' })
  amount: string;
  @ApiProperty({ example: 'TJS' }) currency: string;
  @ApiPropertyOptional({ example: '9075.00' }) destination_amount?: string;
  @ApiPropertyOptional({ example: 'RUB' }) destination_currency?: string;
  @ApiPropertyOptional({
    example: '9.075',
    description: 'Destination units per source unit, as a decimal string.',
  })
  fx_rate?: string;
  @ApiPropertyOptional({ example: '10.00' }) fee?: string;
  @ApiProperty({ nullable: true, type: String, example: 'RU', description: 'ISO 3166-1 alpha-2.' })
  destination_country: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'Ivan P.' }) counterparty_name: string | null;
  @ApiProperty({ example: 'visa_direct' }) rail: string;
  @ApiProperty({ enum: TRANSFER_STATUSES }) status: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiPropertyOptional({ format: 'date-time' }) completed_at?: string;
}

export class TransferListResponse {
  @ApiProperty({ type: [TransferResponse] }) transfers: TransferResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'The oldest data_as_of of the accounts behind the list.',
  })
  data_as_of: string | null;
}
