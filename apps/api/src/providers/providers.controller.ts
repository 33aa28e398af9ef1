import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { AccessLogged } from '../access-log/access-logged.decorator.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { PROVIDERS } from './provider-catalog.js';

class ProviderResponse {
  @ApiProperty({ enum: ['alif-mobi', 'alif-shop', 'accessbank'] }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ example: 'TJ' }) country: string;
  @ApiProperty() protocol: string;
  @ApiProperty({ type: [String] }) capabilities: string[];
  @ApiProperty({ enum: ['redirect', 'otp'] }) auth: 'redirect' | 'otp';
}

class ProviderListResponse {
  @ApiProperty({ type: [ProviderResponse] }) providers: ProviderResponse[];
}

@ApiTags('providers')
@ApiBearerAuth('client')
@UseGuards(ApiKeyGuard)
@Controller('v1/providers')
export class ProvidersController {
  @Get()
  @ApiOkResponse({ type: ProviderListResponse })
  @AccessLogged<ProviderListResponse>({ resource: 'providers', count: (b) => b.providers.length })
  list(): ProviderListResponse {
    return { providers: PROVIDERS.map((p) => ({ ...p, capabilities: [...p.capabilities] })) };
  }
}
