import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ArrayMaxSize,
} from 'class-validator';
import { IsIsoDate, PageQueryDto } from '../data/data-query.dto.js';

export const CUSTOMER_STATUSES = ['active', 'blocked'] as const;
export const PAYMENT_STATUSES = [
  'verified',
  'refused',
  'pending',
  'successful',
  'failed',
  'expired',
  'error',
] as const;
/** Rows of one bulk import at most. */
export const MAX_IMPORT_ROWS = 50_000;

/** `PUT /v1/merchant/bepaid`. */
export class MerchantSetupDto {
  @ApiProperty({ description: 'bePaid Shop ID (the Basic-auth user bePaid sends).', example: '361' })
  @IsString()
  @Matches(/^[\x21-\x39\x3b-\x7e]{1,128}$/, {
    message: 'shop_id must be 1-128 printable ASCII characters without ":"',
  })
  shop_id: string;

  @ApiProperty({ description: 'bePaid Secret Key. Stored encrypted, never returned.', writeOnly: true })
  @IsString()
  @MinLength(8)
  @MaxLength(256)
  @Matches(/^[\x20-\x7e]+$/, { message: 'secret_key must be printable ASCII' })
  secret_key: string;

  @ApiPropertyOptional({
    description:
      "bePaid's shop public key (PEM or bare base64) to check Content-Signature; null or absent: no signature check.",
    nullable: true,
    type: String,
  })
  @IsOptional()
  @IsString()
  @MaxLength(8192)
  public_key?: string | null;

  @ApiPropertyOptional({
    description: 'The currency the shop takes (ISO 4217); customer limits are in it.',
    default: 'TJS',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code' })
  currency?: string;
}

export class MerchantSetupResponse {
  @ApiProperty() shop_id: string;
  @ApiProperty() public_key_configured: boolean;
  @ApiProperty({ example: 'TJS' }) currency: string;
  @ApiProperty() customer_count: number;
  @ApiProperty({ description: 'Give this URL to bePaid as the account verification URL.' })
  verification_url: string;
  @ApiProperty({ description: 'Give this URL to bePaid as the notification URL.' }) notification_url: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

/** `PUT /v1/merchant/customers/{account}`. */
export class CustomerDto {
  @ApiProperty({ enum: CUSTOMER_STATUSES })
  @IsIn(CUSTOMER_STATUSES as unknown as string[], { message: 'status must be active or blocked' })
  status: 'active' | 'blocked';

  @ApiPropertyOptional({
    description: 'Inclusive minimum, decimal string in major units.',
    example: '10.00',
    nullable: true,
    type: String,
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  min_amount?: string | null;

  @ApiPropertyOptional({
    description: 'Inclusive maximum, decimal string in major units.',
    example: '5000.00',
    nullable: true,
    type: String,
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  max_amount?: string | null;
}

export class CustomerResponse {
  @ApiProperty() account: string;
  @ApiProperty({ enum: CUSTOMER_STATUSES }) status: string;
  @ApiProperty({ nullable: true, type: String }) min_amount: string | null;
  @ApiProperty({ nullable: true, type: String }) max_amount: string | null;
  @ApiProperty({ example: 'TJS' }) currency: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

/** `POST /v1/merchant/customers/import` as JSON (CSV: `Content-Type: text/csv`, header `account,status,min_amount,max_amount`). */
export class CustomerImportDto {
  @ApiProperty({
    description: 'Customers: {account, status, min_amount?, max_amount?}. All or nothing.',
    type: 'array',
    items: { type: 'object' },
  })
  @IsArray()
  @ArrayMaxSize(MAX_IMPORT_ROWS)
  customers: unknown[];
}

export class CustomerImportResponse {
  @ApiProperty() created: number;
  @ApiProperty() updated: number;
}

export class PaymentsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'date', description: 'Created on or after (UTC day).' })
  @IsOptional()
  @IsIsoDate()
  from_date?: string;

  @ApiPropertyOptional({ format: 'date', description: 'Created on or before (UTC day).' })
  @IsOptional()
  @IsIsoDate()
  to_date?: string;

  @ApiPropertyOptional({ enum: PAYMENT_STATUSES })
  @IsOptional()
  @IsIn(PAYMENT_STATUSES as unknown as string[])
  status?: string;
}

export class ReconciliationQueryDto {
  @ApiProperty({ format: 'date' }) @IsIsoDate() from_date: string;
  @ApiProperty({ format: 'date' }) @IsIsoDate() to_date: string;
}

export class PaymentHistoryResponse {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ enum: ['verification', 'notification'] }) source: string;
  @ApiProperty() status: string;
  @ApiProperty({ nullable: true, type: String }) uid: string | null;
  @ApiProperty() applied: boolean;
}

export class PaymentResponse {
  @ApiProperty({
    format: 'uuid',
    description: "Hisob's id of the payment, the tracking_id answered to bePaid.",
  })
  tracking_id: string;
  @ApiProperty({ description: "bePaid's request id (string or number, as bePaid sent it)." }) id:
    string | number;
  @ApiProperty() account: string;
  @ApiProperty({ example: '120.50' }) amount: string;
  @ApiProperty({ example: 'TJS' }) currency: string;
  @ApiProperty({ description: 'The result code answered to the verification.' }) result: number;
  @ApiProperty() description: string;
  @ApiProperty({ enum: PAYMENT_STATUSES }) status: string;
  @ApiProperty({ nullable: true, type: String }) bepaid_uid: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) paid_at: string | null;
  @ApiProperty({ nullable: true, type: Boolean }) test: boolean | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
  @ApiProperty({ type: [PaymentHistoryResponse] }) history: PaymentHistoryResponse[];
  @ApiProperty({ enum: ['matched', 'ambiguous', 'unmatched', 'not_applicable'] }) match_status: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) matched_transaction_id: string | null;
  @ApiProperty({ type: [String] }) candidate_transaction_ids: string[];
}

export class PaymentListResponse {
  @ApiProperty({ type: [PaymentResponse] }) payments: PaymentResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class CountAmount {
  @ApiProperty() count: number;
  @ApiProperty({ example: '250.00' }) amount: string;
}

export class ReconciliationDay {
  @ApiProperty({ format: 'date' }) date: string;
  @ApiProperty({ example: 'TJS' }) currency: string;
  @ApiProperty({ type: CountAmount, description: 'Successful payments paid that day.' }) paid: CountAmount;
  @ApiProperty({ type: CountAmount }) matched: CountAmount;
  @ApiProperty({ type: CountAmount, description: 'Paid, with several candidate credits.' })
  ambiguous: CountAmount;
  @ApiProperty({ type: CountAmount, description: 'Paid, with no candidate credit.' })
  unmatched_payments: CountAmount;
  @ApiProperty({ type: CountAmount, description: 'Alif Mobi credits booked that day matched to no payment.' })
  unmatched_credits: CountAmount;
}

export class ReconciliationResponse {
  @ApiProperty({ format: 'date' }) from_date: string;
  @ApiProperty({ format: 'date' }) to_date: string;
  @ApiProperty({ type: [ReconciliationDay] }) days: ReconciliationDay[];
}
