import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../data/data-query.dto.js';

export const CARD_KINDS = ['debit', 'credit', 'virtual'] as const;

export class ListCardsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: "Only this consent's cards (another client's consent: 404).",
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  consent_id?: string;
}

export class CardResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'Null when the bank links the card to no account.',
  })
  account_id: string | null;
  @ApiProperty({
    example: 'korti_milli',
    description: 'visa | mastercard | korti_milli | unionpay | mir | other',
  })
  scheme: string;
  @ApiProperty({ example: '444433******1111' }) masked_pan: string;
  @ApiProperty({ nullable: true, type: String, example: 'DILNOZA K' }) name_on_card: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: '2028-09-30',
    description: 'Last day the card is valid.',
  })
  expiry: string | null;
  @ApiProperty({ example: 'active', description: 'active | blocked | expired | cancelled' }) status: string;
  @ApiProperty({ enum: CARD_KINDS }) kind: string;
}

export class CardListResponse {
  @ApiProperty({ type: [CardResponse] }) cards: CardResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'The oldest data_as_of of the accounts behind the list.',
  })
  data_as_of: string | null;
}
