import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Repository } from 'typeorm';
import { MODEL_REGISTRY, type ModelRegistry } from '../registry/model-registry.port';
import { HealthHistoryQueryDto, ModelHealthDto } from './model-health.dto';
import { ModelHealthEntity } from './model-health.entities';
import { toModelHealthDto } from './model-health.mapper';
import { ModelMonitors } from './model-monitors.service';

@ApiTags('monitoring')
@Controller('api/v1/models')
export class ModelHealthController {
  constructor(
    @Inject(MODEL_REGISTRY) private readonly registry: ModelRegistry,
    @InjectRepository(ModelHealthEntity) private readonly health: Repository<ModelHealthEntity>,
    private readonly monitors: ModelMonitors,
  ) {}

  @Get(':model_id/health')
  @ApiOperation({
    summary: 'Health of a model version: status, thresholds crossed, latest snapshot and history',
    description:
      'Accepts `name_vN` or `name@alias`. Snapshots hold traffic, error rate, latency percentiles and the drift of inputs and predictions (PSI, Kolmogorov–Smirnov) against the reference.',
  })
  @ApiOkResponse({ type: ModelHealthDto })
  @ApiNotFoundResponse({ description: 'No such model version or alias.' })
  async get(@Param('model_id') ref: string, @Query() q: HealthHistoryQueryDto): Promise<ModelHealthDto> {
    const version = await this.registry.resolve(ref);
    const monitor = await this.monitors.summary(version.id);
    const history = await this.health.find({
      where: { model_id: version.id },
      order: { created_at: 'DESC', id: 'DESC' },
      take: q.limit ?? 20,
    });
    return toModelHealthDto(version.id, monitor, history);
  }
}
