import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { TRANSACTION_TYPES } from '#domain/transaction.js';
import { IsIsoDate, PageQueryDto } from '../data/data-query.dto.js';

export const TRANSACTION_STATUSES = ['booked', 'pending'] as const;

/** Deep offsets stay cheap (deferred join) but are bounded; the cursor has no bound. */
export const MAX_OFFSET = 10_000_000;

export class ListTransactionsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: '2026-01-01', description: 'First booking date (inclusive).' })
  @IsOptional()
  @IsIsoDate()
  from_date?: string;

  @ApiPropertyOptional({ example: '2026-01-31', description: 'Last booking date (inclusive).' })
  @IsOptional()
  @IsIsoDate()
  to_date?: string;

  @ApiPropertyOptional({ enum: TRANSACTION_TYPES }) @IsOptional() @IsIn(TRANSACTION_TYPES) type?: string;

  @ApiPropertyOptional({ enum: TRANSACTION_STATUSES }) @IsOptional() @IsIn(TRANSACTION_STATUSES) status?:
    'booked' | 'pending';

  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_OFFSET,
    description: 'Rows to skip (instead of a cursor). The response still has a next_cursor to go on with.',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_OFFSET)
  offset?: number;
}

export class CounterpartyResponse {
  @ApiProperty({ example: 'Tcell', description: 'Empty when the bank shows only the account.' }) name: string;
  @ApiPropertyOptional({ example: 'TJ0000000000000000005678' }) account?: string;
}

export class TransactionResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) account_id: string;
  @ApiProperty({ example: 'obp-7f3a' }) provider_transaction_id: string;
  @ApiProperty({ enum: TRANSACTION_STATUSES }) status: string;
  @ApiProperty({ example: '2026-01-15', description: 'Booking date.' }) date: string;
  @ApiPropertyOptional({ example: '2026-01-15' }) value_date?: string;
  @ApiProperty({
    example: '-120.50',
    description: 'Signed: credits positive, debits negative; decimal string.',
  })
  amount: string;
  @ApiProperty({ example: 'TJS' }) currency: string;
  @ApiProperty({ enum: TRANSACTION_TYPES }) type: string;
  @ApiProperty({ example: 'Mobile top-up' }) description: string;
  @ApiPropertyOptional({ type: CounterpartyResponse }) counterparty?: CounterpartyResponse;
  @ApiPropertyOptional({ example: '1520.75' }) balance_after?: string;
  @ApiPropertyOptional({ example: 'mobile' }) category?: string;
  @ApiPropertyOptional({
    example: 'ENTRY-20260115-0042',
    description:
      "The bank's reference that stays with an entry while its id changes (Berlin Group entryReference), when the bank gives one.",
  })
  entry_reference?: string;
  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'On a booked transaction: the id of the pending transaction it replaced. That pending transaction is no longer ' +
      'in the list, and the change feed reported it as removed.',
  })
  supersedes?: string;
}

const DATA_AS_OF = 'When the bank was last read completely for this data; null if never.';

export class TransactionListResponse {
  @ApiProperty({ type: [TransactionResponse] }) transactions: TransactionResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
  @ApiProperty({
    description:
      'Transactions matching the filters (cursor and offset aside). With a type filter, or for a card, it is counted once, ' +
      'on the first page, and carried by the cursor: it stays the count as of the start of the listing.',
  })
  total_count: number;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: DATA_AS_OF }) data_as_of:
    string | null;
}

export class ChangeFeedQueryDto {
  @ApiProperty({ format: 'uuid' }) @IsString() @MaxLength(100) consent_id: string;

  @ApiPropertyOptional({ description: 'next_cursor of the previous call; none to start from the beginning.' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  count?: number;
}

export class ChangeFeedResponse {
  @ApiProperty({ type: [TransactionResponse], description: 'New to a client at this cursor.' })
  added: TransactionResponse[];
  @ApiProperty({
    type: [TransactionResponse],
    description: 'Changed since the client saw them (full new state).',
  })
  modified: TransactionResponse[];
  @ApiProperty({
    type: [String],
    description:
      'Ids of transactions the bank no longer reports, and of pending transactions superseded by their booked transaction.',
  })
  removed: string[];
  @ApiProperty({ description: 'Pass it back as cursor; never null.' }) next_cursor: string;
  @ApiProperty() has_more: boolean;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: DATA_AS_OF }) data_as_of:
    string | null;
}
