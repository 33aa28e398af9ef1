import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsInt, IsOptional, IsString, IsUUID, Max, Min } from 'class-validator';
import { Type } from 'class-transformer';

export class AccessLogQueryDto {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() consent_id?: string;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsDateString({ strict: true }) from?: string;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsDateString({ strict: true }) to?: string;
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
  @ApiPropertyOptional({ description: 'Opaque cursor from next_cursor.' })
  @IsOptional()
  @IsString()
  cursor?: string;
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
