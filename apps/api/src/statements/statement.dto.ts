import { ApiProperty } from '@nestjs/swagger';
import { IsIsoDate } from '../data/data-query.dto.js';

export class StatementQueryDto {
  @ApiProperty({ example: '2026-01-01', description: 'First booking date of the period (inclusive).' })
  @IsIsoDate()
  from_date: string;

  @ApiProperty({ example: '2026-01-31', description: 'Last booking date of the period (inclusive).' })
  @IsIsoDate()
  to_date: string;
}

export class StatementResponse {
  @ApiProperty({ format: 'uuid' }) account_id: string;
  @ApiProperty({ example: '2026-01-01' }) from_date: string;
  @ApiProperty({ example: '2026-01-31' }) to_date: string;
  @ApiProperty({ example: 'TJS' }) currency: string;
  @ApiProperty({
    nullable: true,
    type: String,
    example: '1000.00',
    description:
      "Booked balance at the start of from_date: the bank's booked balance minus the booked transactions dated from from_date on. " +
      'Null while Hisob holds no booked balance for the account (never read completely); the totals are still given.',
  })
  opening_balance: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: '1379.50',
    description:
      'Booked balance at the end of to_date; opening_balance + total_credits - total_debits, to the cent.',
  })
  closing_balance: string | null;
  @ApiProperty({
    example: '120.50',
    description: 'Sum of the booked debits of the period, as a positive amount.',
  })
  total_debits: string;
  @ApiProperty({ example: '500.00', description: 'Sum of the booked credits of the period.' })
  total_credits: string;
  @ApiProperty({ example: 42, description: 'Booked transactions dated within the period.' })
  transaction_count: number;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'When the balance and transactions were read from the bank.',
  })
  data_as_of: string | null;
}
