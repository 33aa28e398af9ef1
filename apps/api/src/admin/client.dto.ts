import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUrl, Length } from 'class-validator';

export class CreateClientDto {
  @ApiProperty({ example: 'acme-treasury', description: 'A human-readable name for the client back end.' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiPropertyOptional({
    example: 'https://acme.example/hisob/webhooks',
    description: 'Where Hisob POSTs signed events.',
  })
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  webhook_url?: string;
}

export class ClientResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ nullable: true, type: String }) webhook_url: string | null;
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
