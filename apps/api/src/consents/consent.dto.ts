import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsIP,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsIsoDate } from '../data/data-query.dto.js';
import { CONSENT_STATUSES, type ConsentStatus } from '#persistence/entities/consent.entity.js';

import { PERMISSIONS, type Permission } from '#domain/permissions.js';
import { CoverageResponse, PROVIDER_IDS } from '../infra/coverage.dto.js';

export class CreateConsentDto {
  @ApiProperty({ enum: PROVIDER_IDS })
  @IsIn(PROVIDER_IDS as string[], { message: `provider must be one of: ${PROVIDER_IDS.join(', ')}` })
  provider: string;

  @ApiProperty({ example: 'user-42', description: "The client's own id for the end user." })
  @IsString()
  @Length(1, 200)
  end_user_id: string;

  @ApiPropertyOptional({
    enum: PERMISSIONS,
    isArray: true,
    description: 'Default: all the provider supports.',
  })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(PERMISSIONS, { each: true })
  permissions?: Permission[];

  @ApiPropertyOptional({ example: '2027-05-31', description: 'Last day of access (inclusive).' })
  @IsOptional()
  @IsIsoDate()
  valid_until?: string;

  @ApiPropertyOptional({
    example: 'https://acme.example/banks/done',
    description: 'Where the browser goes after the bank.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  redirect_uri?: string;

  @ApiPropertyOptional({
    example: '+923001234567',
    description:
      'E.164 (+92 and 10 digits); required for OTP providers. The local form 03XXXXXXXXX (and 92…, 0092…) is read as +92.',
  })
  @IsOptional()
  @Transform(({ value }) => normaliseMsisdn(value))
  @IsString({ message: 'msisdn must be a string' })
  @Matches(/^\+92\d{10}$/, { message: 'msisdn must be +92 followed by 10 digits' })
  msisdn?: string;

  @ApiPropertyOptional({
    example: '203.0.113.7',
    description:
      "The end user's IP address (IPv4 or IPv6), passed to banks that want it when the consent is created (Berlin Group `PSU-IP-Address`).",
  })
  @IsOptional()
  @IsString()
  @IsIP(undefined, { message: 'psu_ip_address must be an IPv4 or IPv6 address' })
  psu_ip_address?: string;
}

/**
 * Pakistani mobile numbers as people type them: `03001234567` (the local trunk prefix 0),
 * `923001234567`, `00923001234567`, with spaces or dashes. Anything else is left for the
 * validator to refuse; a non-string stays as it is (and is refused).
 */
export function normaliseMsisdn(value: unknown): unknown {
  if (typeof value !== 'string' || value.length > 32) return value;
  const compact = value.replace(/[\s-]/g, '');
  if (/^0\d{10}$/.test(compact)) return `+92${compact.slice(1)}`;
  if (/^0092\d{10}$/.test(compact)) return `+${compact.slice(2)}`;
  if (/^92\d{10}$/.test(compact)) return `+${compact}`;
  return compact;
}

/** `POST /v1/consents/{id}/otp`: the code the person received by SMS. */
export class SubmitOtpDto {
  @ApiProperty({ example: '123456', description: 'The one-time code, 4 to 8 digits.' })
  @IsString({ message: 'otp must be a string' })
  @Matches(/^\d{4,8}$/, { message: 'otp must be 4 to 8 digits' })
  otp: string;
}

export class ListConsentsQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) end_user_id?: string;
  @ApiPropertyOptional({ enum: CONSENT_STATUSES })
  @IsOptional()
  @IsIn(CONSENT_STATUSES)
  status?: ConsentStatus;
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(512) cursor?: string;
}

export class ConsentSyncState {
  @ApiProperty({ nullable: true, type: String }) state: string | null;
  @ApiProperty({ nullable: true, type: String }) last_error: string | null;
}

export class ConsentResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: PROVIDER_IDS }) provider: string;
  @ApiProperty() end_user_id: string;
  @ApiProperty({ enum: CONSENT_STATUSES }) status: ConsentStatus;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Why the consent is in its status, when not obvious.',
  })
  status_reason: string | null;
  @ApiProperty({ enum: PERMISSIONS, isArray: true }) permissions: string[];
  @ApiProperty({ nullable: true, type: String, example: '2027-05-31' }) valid_until: string | null;
  @ApiPropertyOptional({ description: 'While awaiting authorisation: where to send the end user.' })
  authorisation_url?: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) authorised_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) expires_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revoked_at: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) last_synced_at: string | null;
  @ApiProperty({ type: ConsentSyncState }) sync: ConsentSyncState;
  @ApiProperty({
    type: [CoverageResponse],
    description:
      'What the last sync could read of consent-wide resources (the account list, cards, transfers).',
  })
  coverage: CoverageResponse[];
}

export class ConsentListResponse {
  @ApiProperty({ type: [ConsentResponse] }) consents: ConsentResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class StartSyncDto {
  @ApiPropertyOptional({
    example: '203.0.113.7',
    description:
      "The end user's IP address when they asked for this sync themselves. The bank reads are then made with the person present (Berlin Group `PSU-IP-Address`), which banks do not count against the consent's reads a day.",
  })
  @IsOptional()
  @IsString()
  @IsIP(undefined, { message: 'psu_ip_address must be an IPv4 or IPv6 address' })
  psu_ip_address?: string;
}

export class SyncStartedResponse {
  @ApiProperty({ format: 'uuid' }) sync_id: string;
}
