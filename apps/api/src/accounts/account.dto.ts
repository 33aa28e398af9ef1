import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { CoverageResponse, PROVIDER_IDS } from '../infra/coverage.dto.js';
import { PageQueryDto } from '../data/data-query.dto.js';

export const ACCOUNT_TYPES = ['current', 'wallet', 'savings', 'card', 'credit', 'loan'] as const;
export const BALANCE_TYPES = [
  'booked',
  'available',
  'opening_booked',
  'closing_booked',
  'expected',
  'credit_limit',
] as const;

const DATA_AS_OF =
  'When the bank was last read completely for this data (for several accounts, the oldest of them); null if never.';

export class ListAccountsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: "Only this consent's accounts (another client's consent: 404).",
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  consent_id?: string;

  @ApiPropertyOptional({ example: 'user-42' }) @IsOptional() @IsString() @Length(1, 200) end_user_id?: string;

  @ApiPropertyOptional({ enum: PROVIDER_IDS })
  @IsOptional()
  @IsIn(PROVIDER_IDS as string[])
  provider?: string;
}

export class AccountResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) consent_id: string;
  @ApiProperty({ enum: PROVIDER_IDS }) provider: string;
  @ApiProperty({ example: 'user-42' }) end_user_id: string;
  @ApiProperty({ enum: ACCOUNT_TYPES }) type: string;
  @ApiProperty({ example: 'Alif Mobi wallet' }) name: string;
  @ApiProperty({ example: 'TJS' }) currency: string;
  @ApiPropertyOptional({
    example: 'TJ0000000000000000001234',
    description: 'Absent when the bank does not show it.',
  })
  iban?: string;
  @ApiPropertyOptional({ example: '****1234', description: 'Absent when the bank does not show it.' })
  number_masked?: string;
  @ApiProperty({ example: 'active', description: 'active | blocked | closed' }) status: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: DATA_AS_OF }) data_as_of:
    string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'When Hisob plans to read the bank again.',
  })
  next_refresh_at: string | null;
  @ApiProperty({
    type: [CoverageResponse],
    description:
      "What the last sync could read of this account's own resources (transactions, balances, transfers).",
  })
  coverage: CoverageResponse[];
}

export class AccountListResponse {
  @ApiProperty({ type: [AccountResponse] }) accounts: AccountResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: DATA_AS_OF }) data_as_of:
    string | null;
}

export class BalanceResponse {
  @ApiProperty({ enum: BALANCE_TYPES }) type: string;
  @ApiProperty({ example: '1520.75', description: 'Decimal string at the currency scale.' }) amount: string;
  @ApiProperty({ example: 'TJS' }) currency: string;
  @ApiPropertyOptional({
    example: '2026-11-23',
    description: 'The date the bank says the balance refers to.',
  })
  reference_date?: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class BalanceListResponse {
  @ApiProperty({ type: [BalanceResponse] }) balances: BalanceResponse[];
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: DATA_AS_OF }) data_as_of:
    string | null;
}
