import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { MetricsService } from './metrics.service';

@ApiTags('metrics')
@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get('metrics')
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Metrics in Prometheus text format.' })
  @Header('Cache-Control', 'no-store')
  async scrape(
    @Res({ passthrough: true }) response: { header: (k: string, v: string) => unknown },
  ): Promise<string> {
    const { contentType, body } = await this.metrics.render();
    response.header('Content-Type', contentType);
    return body;
  }
}
