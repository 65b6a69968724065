import { Controller, Get, Param } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PriceCatalogue } from './price-catalogue';
import { ProviderRegistry } from './provider-registry';
import { ProviderDto, ProviderPriceDto, toPriceDto, toProviderDto } from './providers.dto';

@ApiTags('providers')
@Controller('api/v1/providers')
export class ProvidersController {
  constructor(
    private readonly registry: ProviderRegistry,
    private readonly catalogue: PriceCatalogue,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Enabled training providers and their capabilities' })
  @ApiOkResponse({ type: [ProviderDto] })
  list(): ProviderDto[] {
    return this.registry.list().map(toProviderDto);
  }

  @Get(':name/prices')
  @ApiOperation({ summary: "A provider's price catalogue (micros per hour, with fetch time and staleness)" })
  @ApiOkResponse({ type: [ProviderPriceDto] })
  @ApiBadRequestResponse({ description: 'Unknown provider (the message names the enabled ones).' })
  async prices(@Param('name') name: string): Promise<ProviderPriceDto[]> {
    this.registry.get(name);
    return (await this.catalogue.list(name)).map(toPriceDto);
  }
}
