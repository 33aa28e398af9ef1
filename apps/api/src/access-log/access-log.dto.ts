import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsOptional, IsUUID } from 'class-validator';
import { PageQueryDto } from '../data/data-query.dto.js';

/** The caller's access trail: by consent and time range, paged like every list. */
export class AccessLogQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() consent_id?: string;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsDateString({ strict: true }) from?: string;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsDateString({ strict: true }) to?: string;
}

export class AccessLogEntryResponse {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) consent_id: string | null;
  @ApiProperty({ nullable: true, type: String }) end_user_id: string | null;
  @ApiProperty({ example: 'transactions' }) resource: string;
  @ApiProperty() record_count: number;
  @ApiProperty() request_id: string;
}

export class AccessLogResponse {
  @ApiProperty({ type: [AccessLogEntryResponse] }) entries: AccessLogEntryResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}
