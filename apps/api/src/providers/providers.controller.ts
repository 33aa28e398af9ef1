import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { PERMISSIONS } from '#domain/permissions.js';
import { PROVIDER_DEFINITIONS } from '#connectors/providers.js';
import { summarise } from '#connectors/provider-definition.js';
import { AccessLogged } from '../access-log/access-logged.decorator.js';
import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { PROVIDER_IDS } from '../infra/coverage.dto.js';

class ProviderResponse {
  @ApiProperty({ enum: PROVIDER_IDS }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ example: 'TJ' }) country: string;
  @ApiProperty() protocol: string;
  @ApiProperty({
    type: [String],
    description: 'What the provider serves; `statements` where it has history and balances.',
  })
  capabilities: string[];
  @ApiProperty({
    enum: PERMISSIONS,
    isArray: true,
    description: 'What a consent may grant (the default set).',
  })
  permissions: string[];
  @ApiProperty({ enum: ['redirect', 'otp'] }) auth: 'redirect' | 'otp';
}

class ProviderListResponse {
  @ApiProperty({ type: [ProviderResponse] }) providers: ProviderResponse[];
}

/** Every provider of this build, from its definition (libs/connectors/src/providers.ts). */
const PROVIDERS: ProviderResponse[] = PROVIDER_DEFINITIONS.map((d) => {
  const s = summarise(d);
  // `statements` is listed among the capabilities as api.md's examples do: Hisob serves it.
  const capabilities = s.permissions.includes('statements')
    ? [...s.capabilities, 'statements']
    : [...s.capabilities];
  return {
    id: s.id,
    name: s.name,
    country: s.country,
    protocol: s.protocol,
    capabilities,
    permissions: [...s.permissions],
    auth: s.auth,
  };
});

@ApiTags('providers')
@ApiBearerAuth('client')
@UseGuards(ApiKeyGuard)
@Controller('v1/providers')
export class ProvidersController {
  @Get()
  @ApiOkResponse({ type: ProviderListResponse })
  @AccessLogged<ProviderListResponse>({ resource: 'providers', count: (b) => b.providers.length })
  list(): ProviderListResponse {
    return {
      providers: PROVIDERS.map((p) => ({
        ...p,
        capabilities: [...p.capabilities],
        permissions: [...p.permissions],
      })),
    };
  }
}
