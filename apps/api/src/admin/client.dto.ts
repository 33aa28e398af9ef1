import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { MAX_REDIRECT_URIS, MAX_URL_LENGTH } from './client-urls.js';

const URL_OPTIONS = { protocols: ['http', 'https'], require_tld: false, require_protocol: true };
const WEBHOOK_URL = {
  example: 'https://acme.example/hisob/webhooks',
  description:
    'Where Hisob POSTs signed events. Must reach a public address (not loopback, private, link-local…).',
};
const REDIRECT_URIS = {
  example: ['https://acme.example/banks/done'],
  description:
    "Exact URLs this client's consents may send the end user back to: https, or http on localhost, 127.0.0.1 " +
    'or [::1]; no fragment, no user info.',
  maxItems: MAX_REDIRECT_URIS,
};

export class CreateClientDto {
  @ApiProperty({ example: 'acme-treasury', description: 'A human-readable name for the client back end.' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiPropertyOptional(WEBHOOK_URL)
  @IsOptional()
  @IsString()
  @MaxLength(MAX_URL_LENGTH)
  @IsUrl(URL_OPTIONS)
  webhook_url?: string;

  @ApiPropertyOptional({ ...REDIRECT_URIS, type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_REDIRECT_URIS)
  @IsString({ each: true })
  @MaxLength(MAX_URL_LENGTH, { each: true })
  redirect_uris?: string[];
}

export class UpdateClientDto {
  @ApiPropertyOptional({ ...WEBHOOK_URL, nullable: true, type: String, description: 'null: no webhooks.' })
  @ValidateIf((o: UpdateClientDto) => o.webhook_url !== null && o.webhook_url !== undefined)
  @IsString()
  @MaxLength(MAX_URL_LENGTH)
  @IsUrl(URL_OPTIONS)
  webhook_url?: string | null;

  @ApiPropertyOptional({
    ...REDIRECT_URIS,
    type: [String],
    description: `${REDIRECT_URIS.description} Replaces the list.`,
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_REDIRECT_URIS)
  @IsString({ each: true })
  @MaxLength(MAX_URL_LENGTH, { each: true })
  redirect_uris?: string[];
}

export class ClientResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) webhook_url: string | null;
  @ApiProperty({ type: [String] }) redirect_uris: string[];
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class CreatedClientResponse extends ClientResponse {
  @ApiProperty({ description: 'Shown once; Hisob stores only a hash.', example: 'hsb_6f1c…' })
  api_key: string;
  @ApiProperty({ description: 'Verifies the Hisob-Signature header of webhooks.' }) webhook_secret: string;
}

export class ClientListResponse {
  @ApiProperty({ type: [ClientResponse] }) clients: ClientResponse[];
}
